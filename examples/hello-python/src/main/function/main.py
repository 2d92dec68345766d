# The hello-python function: a Nuclio-style Python handler, run unmodified by Nucleon.
import json


def init_context(context):
    # Runs once per worker before its first event: the place for clients, models, caches.
    context.user_data.greeting = 'Hello'
    context.logger.info_with('worker ready', worker_id=context.worker_id)


def handler(context, event):
    name = event.fields.get('name')
    if name is None and event.body:
        try:
            name = json.loads(event.body).get('name')
        except (ValueError, AttributeError):
            return context.Response(body={'error': 'the body must be JSON like {"name": "Ada"}'},
                                    status_code=400)
        context.logger.info_with('greeted from JSON', name=name)
        return {'greeting': '%s, %s!' % (context.user_data.greeting, name)}
    return '%s, %s!' % (context.user_data.greeting, name or 'world')
