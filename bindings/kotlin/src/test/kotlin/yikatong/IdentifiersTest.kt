package yikatong

import java.time.LocalDate
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Resident IDs, credit codes and account numbers as seen from Kotlin. */
class IdentifiersTest {
    @Test
    fun `resident ID crosses with its birth date as a LocalDate`() {
        val id = ResidentId.parse(" 11010519491231002x ")
        assertEquals("11010519491231002X", id.asStr())
        assertEquals("11010519491231002X", id.toString())
        assertEquals(LocalDate.of(1949, 12, 31), id.birthDate())
        assertEquals(Sex.FEMALE, id.sex())
        assertEquals("110105", id.areaCode())
        assertEquals("110105********002X", id.masked())
        assertEquals(79u, id.ageOn(LocalDate.of(2029, 12, 30)))
        assertEquals(80u, id.ageOn(LocalDate.of(2029, 12, 31)))
    }

    @Test
    fun `parseAsOf takes the reference date as a LocalDate`() {
        val born2020 = "110105202001010013"
        val check = residentIdCheckCharacter(born2020.substring(0, 17))
        val text = born2020.substring(0, 17) + check
        assertEquals(LocalDate.of(2020, 1, 1), ResidentId.parseAsOf(text, LocalDate.of(2026, 1, 1)).birthDate())
        val error = assertFailsWith<YikatongException.ResidentId> {
            ResidentId.parseAsOf(text, LocalDate.of(2019, 12, 31))
        }
        assertEquals("resident ID number \"$text\": birth date 20200101 is in the future", error.message)
    }

    @Test
    fun `a wrong check character arrives as YikatongException_ResidentId with the core's message`() {
        val error = assertFailsWith<YikatongException.ResidentId> { ResidentId.parse("110105194912310021") }
        assertEquals(
            "resident ID number \"110105194912310021\": check character should be 'X' but is '1'; " +
                "most likely a digit was mistyped, so compare the whole number with the ID card",
            error.message,
        )
        // One catch clause for every yikatong error.
        val asBase: YikatongException = assertFailsWith<YikatongException> { ResidentId.parse("") }
        assertTrue(asBase is YikatongException.ResidentId)
        assertEquals("resident ID number \"\": the number is empty", asBase.message)
    }

    @Test
    fun `check character helpers return null for bad input`() {
        assertEquals("X", residentIdCheckCharacter("11010519491231002"))
        assertNull(residentIdCheckCharacter("1101051949123100"))
        assertNull(residentIdCheckCharacter("1101051949123100a"))
        assertEquals("3", creditCodeCheckCharacter("91350100M000100Y4"))
        assertNull(creditCodeCheckCharacter("91350100M000100Y"))
    }

    @Test
    fun `objects compare, hash and sort through the Rust traits`() {
        val a = ResidentId.parse("11010519491231002X")
        val b = ResidentId.parse("11010519491231002x")
        val c = ResidentId.parse("110105194912310011")
        assertEquals(a, b)
        assertEquals(a.hashCode(), b.hashCode())
        assertNotEquals(a, c)
        assertEquals(listOf(c, a), listOf(a, c).sorted())
        assertEquals(2, setOf(a, b, c).size)
    }

    @Test
    fun `credit code parts and errors`() {
        val code = CreditCode.parse("91350100m000100y43")
        assertEquals("91350100M000100Y43", code.asStr())
        assertEquals("9", code.registrationAuthority())
        assertEquals("1", code.entityType())
        assertEquals("350100", code.regionCode())
        assertEquals("M000100Y4", code.organisationCode())
        assertEquals(CreditCode.parse("91350100M000100Y43"), code)
        val error = assertFailsWith<YikatongException.CreditCode> { CreditCode.parse("91350100M000100Y44") }
        assertTrue(error.message!!.startsWith("unified social credit code \"91350100M000100Y44\": check character should be '3' but is '4'"))
    }

    @Test
    fun `account number kinds and the optional warning`() {
        val card = AccountNumber.parse("6228 4800 0000 0000 018", AccountKind.BANK_CARD)
        assertEquals("6228480000000000018", card.asStr())
        assertEquals(AccountKind.BANK_CARD, card.kind())
        assertEquals("0018", card.last4())
        assertEquals("***************0018", card.masked())
        assertNull(card.warning())
        assertEquals("银行卡", AccountKind.BANK_CARD.nameZh())
        assertEquals("社会保障卡", AccountKind.SOCIAL_SECURITY_CARD.nameZh())

        val passbook = AccountNumber.parse("123456789", AccountKind.PASSBOOK)
        assertEquals(AccountWarning.NO_CHECK_DIGIT, passbook.warning())
        assertEquals(
            "passbook number has no check digit to verify; confirm it with the agent bank",
            passbook.warning().toString(),
        )

        val error = assertFailsWith<YikatongException.AccountNumber> {
            AccountNumber.parse("6228480000000000019", AccountKind.BANK_CARD)
        }
        assertTrue(error.message!!.startsWith("account number \"6228480000000000019\": fails the card check digit (Luhn) test"))
        assertFailsWith<YikatongException.AccountNumber> { AccountNumber.parse("12-34", AccountKind.PASSBOOK) }
    }
}
