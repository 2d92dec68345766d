package io.nucleon.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nucleon.api.FunctionConfigException;
import io.nucleon.spi.Durations;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Binds a trigger's {@code attributes} to the trigger kind's own config type, turning Jackson's
 * complaints into located configuration problems (unknown attribute, wrong type, bad value).
 */
public final class AttributeBinder {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .addModule(new SimpleModule("nucleon-config").addDeserializer(Duration.class, new DurationDeserializer()))
            .build();

    private AttributeBinder() {}

    /**
     * Binds {@code attributes} (found at {@code path}, e.g. {@code spec.triggers.web.attributes}) to {@code type}.
     * Missing attributes keep the defaults of {@code type}'s no-argument constructor.
     */
    public static <T> T bind(ObjectNode attributes, Class<T> type, String path, SpecSource source) {
        try {
            return MAPPER.treeToValue(attributes, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null
                    ? ""
                    : e.getKnownPropertyIds().stream()
                            .map(String::valueOf)
                            .collect(Collectors.toCollection(TreeSet::new))
                            .stream()
                            .collect(Collectors.joining(", "));
            throw located(source, path + fieldPath(e), "unknown attribute; allowed: " + known);
        } catch (InvalidFormatException e) {
            throw located(
                    source,
                    path + fieldPath(e),
                    "cannot be read as " + typeName(e.getTargetType()) + ", got " + quote(e.getValue()));
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw located(source, path + fieldPath(e), cause.getMessage());
        } catch (MismatchedInputException e) {
            throw located(
                    source,
                    path + fieldPath(e),
                    "must be " + typeName(e.getTargetType()) + ": "
                            + e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", ""));
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            String msg = cause == e ? e.getOriginalMessage() : cause.getMessage();
            throw located(source, path + fieldPath(e), msg);
        } catch (IOException e) {
            throw located(source, path, e.getMessage());
        }
    }

    /** A problem about one attribute. */
    public static FunctionConfigException located(SpecSource source, String path, String message) {
        return new FunctionConfigException(List.of(source.problem(path, message)));
    }

    private static String fieldPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append('.').append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == null) {
            return "a value";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Duration.class) {
            return "a duration such as 250ms or 5s";
        }
        if (type.isEnum()) {
            StringBuilder sb = new StringBuilder("one of ");
            Object[] values = type.getEnumConstants();
            for (int i = 0; i < values.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(values[i].toString().toLowerCase(java.util.Locale.ROOT));
            }
            return sb.toString();
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a " + type.getSimpleName();
    }

    private static String quote(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    /** Reads {@code 250ms}, {@code 5s}, {@code 1m}: the same syntax as {@code spec.eventTimeout}. */
    private static final class DurationDeserializer extends StdDeserializer<Duration> {
        DurationDeserializer() {
            super(Duration.class);
        }

        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw MismatchedInputException.from(
                        p, Duration.class, "a duration needs a unit, e.g. 250ms, 5s or 1m; got " + p.getText());
            }
            try {
                return Durations.parse(p.getText());
            } catch (IllegalArgumentException e) {
                throw new InvalidFormatException(p, e.getMessage(), p.getText(), Duration.class);
            }
        }
    }
}
