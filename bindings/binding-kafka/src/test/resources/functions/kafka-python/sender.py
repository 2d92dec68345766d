# Sends the event's body through the kafka binding "out" (KafkaBindingFromWrappersTest).
from nucleon_wrapper import BindingError


def handler(context, event):
    out = context.data_binding["out"]
    if event.path == "/uncaught":
        return out.call("send", b"x", colour="red")  # the BindingError fails the event
    try:
        if event.path == "/send":
            return out.send(event.body, key=event.get_header("X-Key"), headers={"via": "python"})
        if event.path == "/send-to":
            return out.send(event.body, topic=event.get_header("X-Topic"))
        if event.path == "/not-callable":
            return context.data_binding["plain"].call("send", b"x")
        if event.path == "/unknown-operation":
            return out.call("publish", b"x")
        if event.path == "/bad-arguments":
            return out.call("send", b"x", partition="first")
    except KeyError as e:
        return {"error": "KeyError", "message": str(e)}
    except BindingError as e:
        return {"error": e.code, "message": str(e)}
    return 404, "no such path"
