package yikatong

import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class CalendarTest {
    private val calendar = WorkCalendar.bundled()

    @Test
    fun `National Day 2026 is a holiday and the make-up Saturday a working day`() {
        assertFalse(calendar.isWorkingDay(LocalDate.of(2026, 10, 1)))
        assertEquals(DayKind.HOLIDAY, calendar.dayKind(LocalDate.of(2026, 10, 1)))
        assertEquals("National Day", calendar.festival(LocalDate.of(2026, 10, 1)))
        assertTrue(calendar.isWorkingDay(LocalDate.of(2026, 10, 10)))
        assertEquals(DayKind.MAKE_UP_WORKDAY, calendar.dayKind(LocalDate.of(2026, 10, 10)))
        assertNull(calendar.festival(LocalDate.of(2026, 11, 26)))
    }

    @Test
    fun `working-day arithmetic returns a LocalDate with its coverage`() {
        val next = calendar.nextWorkingDay(LocalDate.of(2026, 9, 30))
        assertEquals(ReckonedDate(LocalDate.of(2026, 10, 8), CalendarCoverage.STATUTORY), next)
        assertEquals(LocalDate.of(2026, 10, 10), calendar.addWorkingDays(LocalDate.of(2026, 9, 30), 3u).value)
        assertEquals(LocalDate.of(2026, 10, 8), calendar.workingDayOnOrAfter(LocalDate.of(2026, 10, 3)).value)
        assertEquals(
            ReckonedDays(3u, CalendarCoverage.STATUTORY),
            calendar.workingDaysBetween(LocalDate.of(2026, 9, 30), LocalDate.of(2026, 10, 10)),
        )
    }

    @Test
    fun `outside the covered years the result says it fell back to weekdays`() {
        val later = calendar.addWorkingDays(LocalDate.of(2030, 1, 4), 1u)
        assertEquals(LocalDate.of(2030, 1, 7), later.value)
        assertEquals(CalendarCoverage.WEEKDAY_FALLBACK, later.coverage)
        assertFalse(calendar.covers(LocalDate.of(2030, 1, 4)))
        assertEquals(CalendarCoverage.WEEKDAY_FALLBACK, calendar.coverage(LocalDate.of(2030, 1, 4)))
        assertTrue(calendar.coveredYears().contains(2026))
        assertEquals(emptyList(), WorkCalendar.weekdaysOnly().coveredYears())
    }

    @Test
    fun `running past 9999 arrives as YikatongException_DateOutOfRange`() {
        val error = assertFailsWith<YikatongException.DateOutOfRange> {
            calendar.addWorkingDays(LocalDate.of(9999, 12, 31), 1u)
        }
        assertTrue(error.message!!.startsWith("date out of range: "), error.message)
    }
}
