package io.nucleon.runtime.external.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UntrustedTextTest {

    @Test
    void escapesLineBreaksAndTerminalControlsButNotTabs() {
        assertEquals("a\\nFAKE ERROR line", UntrustedText.oneLine("a\nFAKE ERROR line"));
        assertEquals(
                "b\\r\\n\\u001b[31mred\\u0007\\u007f\\u0085\\u2028\\u2029\tend",
                UntrustedText.oneLine("b\r\n\u001b[31mred\u0007\u007f\u0085\u2028\u2029\tend"));
        assertEquals(
                "C:\\temp\\new é 😀",
                UntrustedText.oneLine("C:\\temp\\new é 😀"),
                "backslashes and text stay as they are");
    }

    @Test
    void safeTextIsReturnedAsItIs() {
        String s = "plain text\twith a tab";
        assertSame(s, UntrustedText.oneLine(s));
        assertSame(s, UntrustedText.block(s));
    }

    @Test
    void aBlockKeepsItsLinesButIndentsAllButTheFirst() {
        assertEquals(
                "Traceback:\n\t  File \"x\"\n\tValueError: boom\n\tFAKE ERROR \\u001b[0m",
                UntrustedText.block("Traceback:\r\n  File \"x\"\nValueError: boom\rFAKE ERROR \u001b[0m\n"));
        for (String line : UntrustedText.block("a\n\nb\r\n\u2028c").split("\n", -1)) {
            assertFalse(line.chars().anyMatch(c -> UntrustedText.unsafe((char) c)), line);
        }
        assertTrue(UntrustedText.block("a\nb").lines().skip(1).allMatch(l -> l.startsWith("\t")));
    }
}
