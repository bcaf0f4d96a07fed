package yikatong

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

class RegionTest {
    private val tree = RegionTree.bundled()

    @Test
    fun `find by name path returns a Region record`() {
        val town = tree.findByPath("内蒙古自治区/赤峰市/巴林左旗/林东镇")
        assertEquals(RegionCode.parse("150422100"), town.code)
        assertEquals("150422100000", town.code.toString())
        assertEquals("林东镇", town.name)
        assertEquals(RegionLevel.TOWNSHIP, town.level)
        assertEquals("镇", town.levelTerm)
        assertEquals(RegionCode.parse("150422"), town.parent)
        assertEquals("内蒙古自治区/赤峰市/巴林左旗/林东镇", tree.namePath(town.code))
        // Records compare by value, object fields through the Rust Eq.
        assertEquals(town, tree.lookup(RegionCode.parse("150422100000")))
    }

    @Test
    fun `children, subtree and provinces come back as lists`() {
        val banner = RegionCode.parse("150422")
        val children = tree.children(banner)
        assertTrue(children.any { it.name == "林东镇" })
        assertTrue(children.all { it.parent == banner && it.level == RegionLevel.TOWNSHIP })
        assertEquals(tree.subtree(banner).first().code, banner)
        assertTrue(tree.provinces().any { it.name == "内蒙古自治区" && it.parent == null })
        assertTrue(tree.len() > 40_000uL)
        assertFalse(tree.isEmpty())
    }

    @Test
    fun `missing regions are null or UnknownRegion`() {
        val nowhere = RegionCode.parse("159999")
        assertNull(tree.get(nowhere))
        assertFalse(tree.contains(nowhere))
        assertEquals(emptyList(), tree.children(nowhere))
        val error = assertFailsWith<YikatongException.UnknownRegion> { tree.lookup(nowhere) }
        assertTrue(error.message!!.startsWith("region "), error.message)
        assertFailsWith<YikatongException.UnknownRegion> { tree.findByPath("内蒙古自治区/没有这个市") }
    }

    @Test
    fun `region codes parse, nest and report their level`() {
        val code = RegionCode.parse("150422100000")
        assertEquals(150422100000uL, code.asU64())
        assertEquals(RegionLevel.TOWNSHIP, code.level())
        assertEquals("150422100", code.toShortString())
        assertEquals(listOf("150422000000", "150400000000", "150000000000"), code.ancestors().map { it.toString() })
        assertTrue(code.isWithin(RegionCode.parse("15")))
        assertEquals(RegionCode.parse("1504"), code.truncate(RegionLevel.PREFECTURE))
        assertNull(RegionCode.parse("15").parent())
        assertEquals(code, RegionCode.fromU64(150422100000uL))
        assertFailsWith<YikatongException.RegionCode> { RegionCode.parse("15042") }
    }

    @Test
    fun `a tree can be read from CSV text`() {
        val csv = "code12,name,level,parent_code12\n150000000000,内蒙古自治区,province,\n"
        val small = RegionTree.fromCsv("test.csv", csv)
        assertEquals(1uL, small.len())
        val error = assertFailsWith<YikatongException.Data> {
            RegionTree.fromCsv("bad.csv", "code12,name,level,parent_code12\nnot-a-code,x,province,\n")
        }
        assertTrue(error.message!!.startsWith("bad.csv, line 2"), error.message)
    }
}
