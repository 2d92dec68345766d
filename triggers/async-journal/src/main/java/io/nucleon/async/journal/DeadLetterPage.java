package io.nucleon.async.journal;

import java.util.List;

/**
 * One page of the listed dead letters, oldest first.
 *
 * @param deadLetters the dead letters of this page
 * @param next        the id to ask the next page after, or null when this page is the last
 * @param total       how many dead letters are listed in all (on every page)
 */
public record DeadLetterPage(List<DeadLetterSummary> deadLetters, String next, int total) {
    public DeadLetterPage {
        deadLetters = List.copyOf(deadLetters);
    }
}
