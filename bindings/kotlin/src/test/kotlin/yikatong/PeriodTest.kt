package yikatong

import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class PeriodTest {
    @Test
    fun `a quarter's days come back as LocalDates`() {
        val q4 = Period.parse("2026q4")
        assertEquals("2026Q4", q4.toString())
        assertEquals(PeriodKind.QUARTER, q4.kind())
        assertEquals(2026, q4.calendarYear())
        assertEquals(4.toUShort(), q4.number())
        assertEquals(LocalDate.of(2026, 10, 1), q4.firstDay())
        assertEquals(LocalDate.of(2026, 12, 31), q4.lastDay())
        assertEquals(92u, q4.days())
        assertTrue(q4.contains(LocalDate.of(2026, 11, 26)))
        assertFalse(q4.contains(LocalDate.of(2027, 1, 1)))
    }

    @Test
    fun `next and previous are null at the ends of the range`() {
        assertEquals(Period.parse("2027Q1"), Period.parse("2026Q4").next())
        assertEquals("2026Q3", Period.parse("2026Q4").previous().toString())
        assertNull(Period.year(9999).next())
        assertNull(Period.month(1900, 1u).previous())
        assertNotNull(Period.month(1900, 2u).previous())
    }

    @Test
    fun `constructors take a LocalDate and unsigned numbers`() {
        assertEquals("2026-02-28", Period.day(LocalDate.of(2026, 2, 28)).toString())
        assertEquals("2026H2", Period.containing(PeriodKind.HALF_YEAR, LocalDate.of(2026, 7, 1)).toString())
        assertEquals("2026-11", Period.month(2026, 11u).toString())
        assertEquals(Period.parse("2026-H1"), Period.halfYear(2026, 1u))
        assertTrue(Period.parse("2026-01") < Period.parse("2026Q1"))
    }

    @Test
    fun `bad periods arrive as YikatongException_Period with the core's message`() {
        val error = assertFailsWith<YikatongException.Period> { Period.month(2026, 13u) }
        assertEquals("period \"2026-13\": month 13 does not exist; months run from 01 to 12", error.message)
        val format = assertFailsWith<YikatongException.Period> { Period.parse("Nov 2026") }
        assertTrue(format.message!!.contains("is not a period; write a day as 2026-11-26"))
        assertFailsWith<YikatongException.Period> { Period.year(1899) }
    }
}
