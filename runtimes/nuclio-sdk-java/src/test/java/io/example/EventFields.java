package io.example;

import io.nuclio.Context;
import io.nuclio.Event;
import io.nuclio.EventHandler;
import io.nuclio.Response;
import java.nio.charset.StandardCharsets;

/** Answers what it sees of the event through Nuclio's getters, one per line. */
public class EventFields implements EventHandler {
    @Override
    public Response handleEvent(Context context, Event event) {
        StringBuilder b = new StringBuilder();
        b.append("method=").append(event.getMethod()).append('\n');
        b.append("path=").append(event.getPath()).append('\n');
        b.append("url=").append(event.getURL()).append('\n');
        b.append("contentType=").append(event.getContentType()).append('\n');
        b.append("trigger=")
                .append(event.getTriggerInfo().getClassName())
                .append('/')
                .append(event.getTriggerInfo().getKindName())
                .append('\n');
        b.append("header=").append(event.getHeaderString("X-TEST-HEADER")).append('\n');
        b.append("headerObject=").append(event.getHeader("x-test-header")).append('\n');
        b.append("headerBytes=")
                .append(new String(event.getHeaderBytes("x-test-header"), StandardCharsets.UTF_8))
                .append('\n');
        b.append("headerLong=").append(event.getHeaderLong("x-number")).append('\n');
        b.append("headerLongOfText=")
                .append(event.getHeaderLong("x-test-header"))
                .append('\n');
        b.append("missingHeader=").append(event.getHeaderString("x-missing")).append('\n');
        b.append("hasHeaders=")
                .append(event.getHeaders().containsKey("x-number"))
                .append('\n');
        b.append("field=").append(event.getFieldString("q")).append('\n');
        b.append("fieldLong=").append(event.getFieldLong("n")).append('\n');
        b.append("fieldBytes=")
                .append(new String(event.getFieldBytes("q"), StandardCharsets.UTF_8))
                .append('\n');
        b.append("fields=").append(event.getFields().size()).append('\n');
        b.append("body=")
                .append(new String(event.getBody(), StandardCharsets.UTF_8))
                .append('\n');
        b.append("bodyObject=").append(event.getBodyObject() instanceof byte[]).append('\n');
        b.append("hasId=")
                .append(event.getID() != null && !event.getID().isEmpty())
                .append('\n');
        b.append("hasTimestamp=").append(event.getTimestamp() != null).append('\n');
        b.append("shard=")
                .append(event.getShardID())
                .append('/')
                .append(event.getTotalNumShards())
                .append('\n');
        return new Response().setBody(b.toString());
    }
}
