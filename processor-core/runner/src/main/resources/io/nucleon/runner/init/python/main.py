# {{name}}: called once per event, with Nuclio's context and event.


def handler(context, event):
    name = event.fields.get('name') or 'world'
    context.logger.info_with('greeting', name=name)
    return context.Response(body='Hello, %s!' % name,
                            headers={},
                            content_type='text/plain',
                            status_code=200)
