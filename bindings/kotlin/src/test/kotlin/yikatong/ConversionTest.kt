package yikatong

import java.math.BigDecimal
import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** The custom types at the edges of their ranges. */
class ConversionTest {
    private val id = ResidentId.parse("11010519491231002X")

    @Test
    fun `LocalDate round-trips at the ends of the supported range`() {
        for (date in listOf(LocalDate.of(1900, 1, 1), LocalDate.of(2024, 2, 29), LocalDate.of(9999, 12, 31))) {
            assertEquals(date, Period.day(date).firstDay())
        }
        assertEquals(LocalDate.of(2024, 2, 29), Period.parse("2024-02").lastDay())
    }

    @Test
    fun `a LocalDate past year 9999 is a DateOutOfRange error where the call can fail`() {
        val error = assertFailsWith<YikatongException.DateOutOfRange> {
            ResidentId.parseAsOf("11010519491231002X", LocalDate.of(10000, 1, 1))
        }
        assertTrue(error.message!!.contains("+10000-01-01"), error.message)
        assertFailsWith<YikatongException.DateOutOfRange> { Period.day(LocalDate.of(-10000, 1, 1)) }
    }

    @Test
    fun `where the call cannot fail, an unconvertible LocalDate is an InternalException, not a wrong answer`() {
        // ageOn returns a plain number, so the conversion failure has no YikatongException to become.
        val error = assertFailsWith<InternalException> { id.ageOn(LocalDate.of(10000, 1, 1)) }
        assertTrue(error.message!!.contains("+10000-01-01"), error.message)
    }

    @Test
    fun `BigDecimal keeps its digits both ways`() {
        val cents = BigDecimal("0.01")
        assertEquals(cents, Amount.fromDecimal(cents).asDecimal())
        val big = BigDecimal("999999999999.99")
        assertEquals(big, Amount.fromDecimal(big).asDecimal())
        // A quantity with many decimals is passed exactly, not via a double.
        assertEquals("0.00", Amount.parse("1.00").checkedMul(BigDecimal("0.004999999999999999"), Rounding.FEN).toString())
        assertEquals("0.01", Amount.parse("1.00").checkedMul(BigDecimal("0.005"), Rounding.FEN).toString())
    }
}
