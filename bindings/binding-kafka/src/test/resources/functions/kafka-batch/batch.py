# A batch handler (Nuclio's batch API): gets a list of Kafka records, forwards each body to the
# kafka binding "out" with the batch's size in a header, and answers each record by its event_id.
# A body starting with "fail-" gets no response the first time it is seen: that record alone fails
# (and is retried by the trigger); the others of its batch succeed.


def init_context(context):
    context.user_data.failed = set()


def handler(context, events):
    if not isinstance(events, list):
        raise TypeError("a batching trigger hands the handler a list, got %s" % type(events).__name__)
    out = context.data_binding["out"]
    responses = []
    for e in events:
        if e.body.startswith(b"fail-") and e.body not in context.user_data.failed:
            context.user_data.failed.add(e.body)
            continue
        out.send(e.body, key=e.body.decode(), headers={"batch": str(len(events))})
        responses.append(context.Response(body="ok", event_id=e.id))
    return responses
