package io.nucleon.async.journal;

import io.nucleon.spi.Dispatcher;
import io.nucleon.spi.TriggerContext;
import io.nucleon.trigger.http.async.AsyncIntake;
import io.nucleon.trigger.http.async.AsyncIntakeFactory;
import io.nucleon.trigger.http.async.AsyncOptions;
import java.nio.file.Path;

/** Registers the journal-backed {@link AsyncIntake} (see {@code META-INF/services}). */
public final class JournalIntakeFactory implements AsyncIntakeFactory {

    @Override
    public AsyncIntake open(TriggerContext trigger, AsyncOptions options, Dispatcher dispatcher) {
        // a wrong roll cycle name is a configuration error, not an unavailable journal
        AsyncJournal.builder(Path.of(options.directory)).rollCycle(options.rollCycle);
        CallbackAddressRules rules;
        try {
            rules = CallbackAddressRules.of(options.callbackAllowedHosts, trigger::processorAddresses);
        } catch (IllegalArgumentException bad) {
            throw trigger.attributeError("async.callbackAllowedHosts", bad.getMessage());
        }
        return new JournalIntake(trigger, options, dispatcher, rules);
    }
}
