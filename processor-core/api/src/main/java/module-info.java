/**
 * Nucleon's API: what a handler author uses ({@code Handler}, {@code Event}, {@code Context},
 * {@code Response}, {@code Logger}, {@code DataBinding}) and what an embedding application uses
 * ({@code Processor} and its builder). Depends on nothing but {@code java.base}; the engine
 * ({@code io.nucleon:nucleon-core}) provides {@link io.nucleon.api.Engine}.
 */
module io.nucleon.api {
    exports io.nucleon.api;

    uses io.nucleon.api.Engine;
}
