package io.nucleon.trigger.cron;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * A cron schedule: five fields ({@code minute hour day-of-month month day-of-week}) as in crontab,
 * or six with a leading seconds field, or one of the macros {@code @yearly}, {@code @monthly},
 * {@code @weekly}, {@code @daily} (or {@code @midnight}) and {@code @hourly}.
 *
 * <p>Each field takes {@code *} (or {@code ?}), a value, a range {@code a-b}, a step {@code * /n} or
 * {@code a-b/n} or {@code a/n}, and comma-separated lists of those. Months and days of the week
 * also take their English three-letter names ({@code JAN}, {@code MON}); Sunday is 0 or 7. As in
 * crontab, when both day fields are restricted a day matches if either does.
 *
 * <p>Immutable and thread-safe.
 */
final class CronExpression {
    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 0 1 1 *",
            "@annually", "0 0 0 1 1 *",
            "@monthly", "0 0 0 1 * *",
            "@weekly", "0 0 0 * * 0",
            "@daily", "0 0 0 * * *",
            "@midnight", "0 0 0 * * *",
            "@hourly", "0 0 * * * *");
    private static final String[] MONTHS = {
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"
    };
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    /** Far enough for any valid expression (29 February on a given weekday recurs within 28 years). */
    private static final int SEARCH_YEARS = 30;

    private final String text;
    private final BitSet seconds;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean anyDayOfMonth;
    private final boolean anyDayOfWeek;

    private CronExpression(
            String text,
            BitSet seconds,
            BitSet minutes,
            BitSet hours,
            BitSet daysOfMonth,
            BitSet months,
            BitSet daysOfWeek,
            boolean anyDayOfMonth,
            boolean anyDayOfWeek) {
        this.text = text;
        this.seconds = seconds;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.anyDayOfMonth = anyDayOfMonth;
        this.anyDayOfWeek = anyDayOfWeek;
    }

    /**
     * Parses an expression.
     *
     * @throws IllegalArgumentException saying which field is wrong and what it allows
     */
    static CronExpression parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("the schedule is empty; expected 5 or 6 fields such as \"*/5 * * * *\"");
        }
        String text = expression.trim();
        String expanded = MACROS.getOrDefault(text.toLowerCase(Locale.ROOT), text);
        if (expanded.startsWith("@")) {
            throw new IllegalArgumentException(
                    "unknown macro \"" + text + "\"; known: @yearly, @monthly, @weekly, @daily, @hourly");
        }
        String[] f = expanded.split("\\s+");
        if (f.length != 5 && f.length != 6) {
            throw new IllegalArgumentException(
                    "\"" + text + "\" has " + f.length + " fields; expected 5 (minute hour day-of-month"
                            + " month day-of-week) or 6 (with seconds first)");
        }
        int i = 0;
        BitSet seconds = f.length == 6 ? field(f[i++], "second", 0, 59, null) : single(0);
        BitSet minutes = field(f[i++], "minute", 0, 59, null);
        BitSet hours = field(f[i++], "hour", 0, 23, null);
        String domText = f[i++];
        BitSet dom = field(domText, "day-of-month", 1, 31, null);
        BitSet months = field(f[i++], "month", 1, 12, MONTHS);
        String dowText = f[i];
        BitSet dow = field(dowText, "day-of-week", 0, 7, DAYS);
        if (dow.get(7)) {
            dow.set(0); // 7 is Sunday too
            dow.clear(7);
        }
        return new CronExpression(text, seconds, minutes, hours, dom, months, dow, isAny(domText), isAny(dowText));
    }

    private static boolean isAny(String field) {
        return field.equals("*") || field.equals("?");
    }

    private static BitSet single(int value) {
        BitSet b = new BitSet();
        b.set(value);
        return b;
    }

    private static BitSet field(String text, String name, int min, int max, String[] names) {
        BitSet bits = new BitSet(max + 1);
        for (String part : text.split(",", -1)) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException(name + " field \"" + text + "\" has an empty list item");
            }
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                step = number(part.substring(slash + 1), name, text, null, 0);
                if (step < 1) {
                    throw new IllegalArgumentException(name + " field \"" + text + "\": a step must be at least 1");
                }
            }
            int from;
            int to;
            if (range.equals("*") || range.equals("?")) {
                from = min;
                to = max;
            } else {
                int dash = range.indexOf('-', 1);
                if (dash >= 0) {
                    from = number(range.substring(0, dash), name, text, names, min);
                    to = number(range.substring(dash + 1), name, text, names, min);
                } else {
                    from = number(range, name, text, names, min);
                    to = slash >= 0 ? max : from; // "a/n" runs from a to the end
                }
            }
            if (from < min || to > max || from > to) {
                throw new IllegalArgumentException(name + " field \"" + text + "\": " + from
                        + (from == to ? "" : "-" + to) + " is outside " + min + "-" + max);
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String s, String name, String text, String[] names, int min) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equalsIgnoreCase(s)) {
                    return i + min;
                }
            }
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " field \"" + text + "\": \"" + s + "\" is not a number"
                    + (names != null ? " nor a name such as " + names[0] : ""));
        }
    }

    /**
     * The first time strictly after {@code after} that matches, in {@code zone}.
     *
     * @throws IllegalStateException when nothing matches for decades (e.g. 30 February)
     */
    ZonedDateTime next(ZonedDateTime after, ZoneId zone) {
        LocalDateTime t = after.withZoneSameInstant(zone)
                .toLocalDateTime()
                .truncatedTo(ChronoUnit.SECONDS)
                .plusSeconds(1);
        LocalDate limit = t.toLocalDate().plusYears(SEARCH_YEARS);
        LocalDate day = t.toLocalDate();
        LocalTime from = t.toLocalTime();
        while (!day.isAfter(limit)) {
            if (!months.get(day.getMonthValue())) {
                day = day.withDayOfMonth(1).plusMonths(1);
                from = LocalTime.MIDNIGHT;
                continue;
            }
            if (dayMatches(day)) {
                LocalTime time = firstTime(from);
                if (time != null) {
                    ZonedDateTime z = ZonedDateTime.of(day, time, zone);
                    // a time skipped by a daylight-saving jump is moved forward by the zone: keep it if still ahead
                    if (z.isAfter(after)) {
                        return z;
                    }
                }
            }
            day = day.plusDays(1);
            from = LocalTime.MIDNIGHT;
        }
        throw new IllegalStateException("the schedule \"" + text + "\" never fires");
    }

    private boolean dayMatches(LocalDate day) {
        boolean dom = daysOfMonth.get(day.getDayOfMonth());
        int d = day.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : day.getDayOfWeek().getValue();
        boolean dow = daysOfWeek.get(d);
        if (anyDayOfMonth && anyDayOfWeek) {
            return true;
        }
        if (anyDayOfMonth) {
            return dow;
        }
        if (anyDayOfWeek) {
            return dom;
        }
        return dom || dow;
    }

    /** The first matching time of day at or after {@code from}, or {@code null}. */
    private LocalTime firstTime(LocalTime from) {
        for (int h = hours.nextSetBit(from.getHour()); h >= 0; h = hours.nextSetBit(h + 1)) {
            int m0 = h == from.getHour() ? from.getMinute() : 0;
            for (int m = minutes.nextSetBit(m0); m >= 0; m = minutes.nextSetBit(m + 1)) {
                int s0 = h == from.getHour() && m == from.getMinute() ? from.getSecond() : 0;
                int s = seconds.nextSetBit(s0);
                if (s >= 0) {
                    return LocalTime.of(h, m, s);
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
