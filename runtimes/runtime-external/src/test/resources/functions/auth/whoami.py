# Test handler: answers the event's fields as JSON, exercised by AuthFieldsInWrappersTest.
def handler(context, event):
    return dict(event.fields)
