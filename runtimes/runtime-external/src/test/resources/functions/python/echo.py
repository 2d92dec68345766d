# Test handler: Nuclio-style, exercised by ExternalRuntimeTest.
import os
import sys
import time


def init_context(context):
    context.user_data.started = time.time()


def handler(context, event):
    if event.path == '/sleep':
        context.logger.info('sleeping')  # tells a test that this wrapper now holds the event
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
    if event.path == '/env':
        return dict(os.environ)
    if event.path == '/flood':
        for i in range(int(event.fields.get('lines', '1000'))):
            print('flood line %d' % i)
            context.logger.info('flood log %d' % i)
        return 'flooded'
    if event.path == '/forge':
        context.logger.info('a\nFAKE ERROR line')
        context.logger.info_with('fields', note='x\r\nFAKE ERROR field', **{'k\nFAKE ERROR key': 1})
        print('b\rFAKE ERROR \x1b[31mred\x1b[0m')
        sys.stderr.write('c\x1b]0;title\x07 FAKE ERROR\u2028line\n')
        return 'forged'
    if event.path == '/forge-error':
        raise ValueError('boom\nFAKE ERROR from the message')
    if event.path == '/longline':
        sys.stdout.write('x' * int(event.fields.get('bytes', '1000')))
        sys.stdout.write('\nafter the long line\n')
        return 'long'
    return context.Response(body=event.body, headers={'X-Echo': 'yes'},
                            content_type='application/octet-stream', status_code=200)
