package yikatong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generated Kotlin API as plain Java sees it. */
class JavaCallerTest {
    @Test
    void javaCallsTheKotlinApi() throws Exception {
        // Named constructors are companion functions; AutoCloseable frees the Rust object.
        try (ResidentId id = ResidentId.Companion.parse("11010519491231002X")) {
            assertEquals(LocalDate.of(1949, 12, 31), id.birthDate());
            assertEquals(Sex.FEMALE, id.sex());
            assertEquals("110105********002X", id.masked());
            // Members with unsigned types (ageOn returns kotlin.UInt) get mangled JVM names
            // and cannot be called from Java; everything else can.
        }

        Amount total = Amount.Companion.fromDecimal(new BigDecimal("100.00"));
        List<Amount> parts = total.split(List.of(BigDecimal.ONE, BigDecimal.valueOf(2)));
        assertEquals(new BigDecimal("33.33"), parts.get(0).asDecimal());
        assertEquals(new BigDecimal("66.67"), parts.get(1).asDecimal());
        assertEquals(total, YikatongKt.amountCheckedSum(parts));

        YikatongException.ResidentId error =
                assertThrows(YikatongException.ResidentId.class, () -> ResidentId.Companion.parse("110105194912310021"));
        assertTrue(error.getMessage().contains("check character should be 'X' but is '1'"), error.getMessage());
        // Every binding error is a checked-style YikatongException (declared with @Throws).
        assertThrows(YikatongException.class, () -> Period.Companion.parse("2026Q5"));
    }
}
