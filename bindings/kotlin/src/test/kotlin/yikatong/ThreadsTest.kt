package yikatong

import java.time.LocalDate
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals

/** Objects are immutable on the Rust side: one instance serves many threads. */
class ThreadsTest {
    @Test
    fun `shared objects give the same answers on eight threads`() {
        val tree = RegionTree.bundled()
        val calendar = WorkCalendar.bundled()
        val id = ResidentId.parse("11010519491231002X")
        val total = Amount.parse("100.00")
        val pool = Executors.newFixedThreadPool(8)
        try {
            val tasks = (0 until 8).map { worker ->
                Callable {
                    var checks = 0
                    repeat(200) { round ->
                        assertEquals("林东镇", tree.findByPath("巴林左旗/林东镇").name)
                        assertEquals(LocalDate.of(2026, 10, 8), calendar.nextWorkingDay(LocalDate.of(2026, 9, 30)).value)
                        assertEquals(LocalDate.of(1949, 12, 31), id.birthDate())
                        val parts = total.splitEvenly((worker + round % 5 + 1).toUInt())
                        assertEquals(total, amountCheckedSum(parts))
                        // Each thread also creates and drops its own objects.
                        ResidentId.parse("110105194912310011").use { assertEquals(Sex.MALE, it.sex()) }
                        checks++
                    }
                    checks
                }
            }
            val results = pool.invokeAll(tasks).map { it.get(60, TimeUnit.SECONDS) }
            assertEquals(List(8) { 200 }, results)
        } finally {
            pool.shutdown()
        }
    }

    @Test
    fun `errors raised on other threads keep their type and message`() {
        val pool = Executors.newFixedThreadPool(4)
        try {
            val messages = pool.invokeAll((0 until 4).map {
                Callable { runCatching { Period.parse("2026-13") }.exceptionOrNull() }
            }).map { it.get(60, TimeUnit.SECONDS) }
            for (error in messages) {
                assertEquals(YikatongException.Period::class, error!!::class)
                assertEquals("period \"2026-13\": month 13 does not exist; months run from 01 to 12", error.message)
            }
        } finally {
            pool.shutdown()
        }
    }
}
