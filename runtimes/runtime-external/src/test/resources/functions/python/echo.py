# Test handler: Nuclio-style, exercised by ExternalRuntimeTest.
import os
import time


def init_context(context):
    context.user_data.started = time.time()


def handler(context, event):
    if event.path == '/sleep':
        time.sleep(float(event.fields.get('seconds', '5')))
        return 'woke'
    if event.path == '/log':
        context.logger.info_with('handled a log request', order_id=42, customer='ada')
        context.logger.warn('plain warning')
        return 'logged'
    if event.path == '/pid':
        return str(os.getpid())
    if event.path == '/fail':
        raise ValueError('bad input from the test')
    if event.path == '/exit':
        os._exit(3)
    if event.path == '/json':
        return {'worker': context.worker_id, 'method': event.method, 'trigger': event.trigger.kind}
    if event.path == '/jsonbody':
        return str(event.body['n'] + 1)  # with runtimeAttributes.decodeJsonBody, a dict
    if event.path == '/status':
        return 201, 'created'
    return context.Response(body=event.body, headers={'X-Echo': 'yes'},
                            content_type='application/octet-stream', status_code=200)
