package yikatong

import java.time.LocalDate
import java.time.ZoneOffset
import kotlin.test.Test
import kotlin.test.assertTrue

class SmokeTest {
    @Test
    fun `today in China comes back as a LocalDate near the JVM's UTC+8 date`() {
        val today: LocalDate = todayInChina()
        val jvmToday = LocalDate.now(ZoneOffset.ofHours(8))
        // Allow for the clock crossing midnight between the two reads.
        assertTrue(today == jvmToday || today.plusDays(1) == jvmToday, "$today vs $jvmToday")
    }
}
