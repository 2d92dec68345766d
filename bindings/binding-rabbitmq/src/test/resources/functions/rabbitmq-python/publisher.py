# Publishes the event's body through the rabbitmq binding "out" (RabbitMqBindingFromPythonTest).
def handler(context, event):
    queue = event.get_header("X-Queue")
    return context.data_binding["out"].publish(event.body, exchange="", routingKey=queue,
                                               headers={"via": "python"})
