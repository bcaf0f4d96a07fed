package yikatong

import java.math.BigDecimal
import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** The README's Kotlin example, with its printed values asserted, so the README stays true. */
class ReadmeExampleTest {
    @Test
    fun `the README example gives the values it shows`() {
        val id = ResidentId.parse("11010519491231002x")
        assertEquals("110105********002X", id.masked())
        val amount = Amount.fromDecimal(BigDecimal("1409.50"))
        assertEquals("壹仟肆佰零玖元伍角", amount.toCapitals())
        val town = RegionTree.bundled().findByPath("内蒙古自治区/赤峰市/巴林左旗/林东镇")
        assertEquals("150422100000", town.code.toString())
        val due = WorkCalendar.bundled().addWorkingDays(LocalDate.of(2026, 9, 30), 7u)
        assertEquals(LocalDate.of(2026, 10, 15), due.value)
        val error = assertFailsWith<YikatongException.ResidentId> { ResidentId.parse("110105194912310021") }
        assertTrue(error.message!!.contains("check character should be 'X'"), error.message)
    }
}
