package yikatong

import java.math.BigDecimal
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/** Money crosses as java.math.BigDecimal, both ways, without losing scale or digits. */
class AmountTest {
    @Test
    fun `asDecimal comes back as a BigDecimal with scale 2`() {
        val amount = Amount.parse(" 1,234.5 ")
        val decimal: BigDecimal = amount.asDecimal()
        assertEquals(BigDecimal("1234.50"), decimal) // BigDecimal.equals compares scale too
        assertEquals(2, decimal.scale())
        assertEquals(123_450L, amount.toFen())
        assertEquals("1234.50", amount.toString())
        assertEquals("1,234.50", amount.toGroupedString())
    }

    @Test
    fun `fromDecimal takes a BigDecimal, trailing zeros and all`() {
        assertEquals("12.34", Amount.fromDecimal(BigDecimal("12.3400")).toString())
        assertEquals(Amount.parse("80"), Amount.fromDecimal(BigDecimal("80")))
        // Exponent form on the JVM side still crosses as plain digits.
        assertEquals("1000.00", Amount.fromDecimal(BigDecimal("1E+3")).toString())
        assertEquals("999999999999.99", Amount.max().asDecimal().toPlainString())
        assertTrue(Amount.zero().isZero())
    }

    @Test
    fun `rounding variants take the Rounding enum`() {
        assertEquals("12.35", Amount.fromDecimalRounded(BigDecimal("12.345"), Rounding.FEN).toString())
        assertEquals("3.00", Amount.parseRounded("2.50", Rounding.YUAN).toString())
        assertEquals("13.00", Amount.parse("12.50").round(Rounding.YUAN).toString())
        assertEquals("15.08", Amount.parse("10.05").checkedMul(BigDecimal("1.5"), Rounding.FEN).toString())
    }

    @Test
    fun `bad amounts arrive as YikatongException_Amount with the core's message`() {
        val tooPrecise = assertFailsWith<YikatongException.Amount> { Amount.fromDecimal(BigDecimal("12.345")) }
        assertEquals(
            "amount \"12.345\": has 3 decimals; amounts are in yuan with at most 2 decimals (fen), e.g. 1234.56",
            tooPrecise.message,
        )
        val negative = assertFailsWith<YikatongException.Amount> { Amount.fromDecimal(BigDecimal("-1.00")) }
        assertTrue(negative.message!!.contains("is negative; a subsidy amount is never negative"), negative.message)
        assertFailsWith<YikatongException.Amount> { Amount.parse("1.2E3") }
        assertFailsWith<YikatongException.Amount> { Amount.fromFen(-1) }
        assertFailsWith<YikatongException.Amount> { Amount.max().checkedAdd(Amount.parse("0.01")) }
        assertFailsWith<YikatongException.Amount> { Amount.parse("1.00").checkedSub(Amount.parse("1.01")) }
    }

    @Test
    fun `a BigDecimal too big for the Rust decimal is refused, not rounded`() {
        val error = assertFailsWith<YikatongException.Amount> {
            Amount.fromDecimal(BigDecimal("1234567890123456789012345678901234567890"))
        }
        assertTrue(error.message!!.contains("1234567890123456789012345678901234567890"), error.message)
        assertFailsWith<YikatongException.Amount> {
            Amount.parse("1.00").split(listOf(BigDecimal.ONE, BigDecimal("0.00000000000000000000000000000001")))
        }
    }

    @Test
    fun `split takes a List of BigDecimal weights and returns a List of Amounts`() {
        val parts = Amount.parse("1.00").split(listOf(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ONE))
        assertEquals(listOf("0.34", "0.33", "0.33"), parts.map { it.toString() })
        assertEquals(Amount.parse("1.00"), amountCheckedSum(parts))
        assertEquals(listOf("33.34", "33.33", "33.33"), Amount.parse("100").splitEvenly(3u).map { it.toString() })
        assertFailsWith<YikatongException.Amount> { Amount.parse("1.00").split(emptyList()) }
        assertFailsWith<YikatongException.Amount> { Amount.parse("1.00").split(listOf(BigDecimal("-1"))) }
        assertEquals(Amount.zero(), amountCheckedSum(emptyList()))
    }

    @Test
    fun `capitals, ordering and equality`() {
        assertEquals("壹万零伍元整", Amount.parse("10005").toCapitals())
        assertEquals("人民币壹拾元整", Amount.parse("10").toCapitalsWithPrefix())
        assertTrue(Amount.parse("9.99") < Amount.parse("10"))
        assertEquals(Amount.parse("10"), Amount.parse("10.00"))
        assertEquals(Amount.parse("10").hashCode(), Amount.parse("10.00").hashCode())
        assertFalse(Amount.parse("10") == Amount.parse("10.01"))
    }
}
