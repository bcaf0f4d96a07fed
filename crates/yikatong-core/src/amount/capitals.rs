//! Amounts in Chinese capitals (大写金额), per the People's Bank rules.
//!
//! The whole yuan are written in groups of four digits (亿, 万, then the units
//! group), each with 仟佰拾; the zeros are tracked as "one 零 is owed" and paid
//! only when a non-zero digit follows, so a run of zeros, even across groups,
//! becomes a single 零 and trailing zeros none. Zeros that merely close a group
//! (the 亿, 万 or 元 place) owe nothing: ¥107,000.53 is 壹拾万柒仟元…, as in the
//! People's Bank's own example; the rules allow 零 there but do not require it.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// Places within a group of four, highest first.
const PLACES: [(u64, Option<char>); 4] = [
    (1000, Some('仟')),
    (100, Some('佰')),
    (10, Some('拾')),
    (1, None),
];

/// Groups of four digits, highest first. Amounts stop below 1 万亿, so 亿 is the top.
const GROUPS: [(u64, Option<char>); 3] =
    [(100_000_000, Some('亿')), (10_000, Some('万')), (1, None)];

fn digit(value: u64) -> char {
    DIGITS[(value % 10) as usize]
}

/// Appends the capitals for `fen` (at most 99,999,999,999,999) to `out`.
pub(super) fn write(out: &mut String, fen: u64) {
    let yuan = fen / 100;
    let jiao = fen / 10 % 10;
    let fen = fen % 10;
    if yuan > 0 {
        write_yuan(out, yuan);
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) => {
            if yuan == 0 {
                out.push_str("零元");
            }
            out.push('整');
        }
        // 角 takes no 整: the rules make it optional and banks print "…元伍角".
        (jiao, 0) => {
            out.push(digit(jiao));
            out.push('角');
        }
        (0, fen) => {
            // The zero 角 between 元 and 分 is written; 0.05 is just 伍分.
            if yuan > 0 {
                out.push('零');
            }
            out.push(digit(fen));
            out.push('分');
        }
        (jiao, fen) => {
            out.push(digit(jiao));
            out.push('角');
            out.push(digit(fen));
            out.push('分');
        }
    }
}

/// Appends the capitals for a positive number of whole yuan (below 10^12).
fn write_yuan(out: &mut String, yuan: u64) {
    let mut started = false;
    let mut zero_owed = false;
    for (group_size, group_unit) in GROUPS {
        let group = yuan / group_size % 10_000;
        if group == 0 {
            zero_owed |= started;
            continue;
        }
        for (place, place_unit) in PLACES {
            let value = group / place % 10;
            if value == 0 {
                zero_owed |= started;
                continue;
            }
            if zero_owed {
                out.push('零');
                zero_owed = false;
            }
            out.push(digit(value));
            out.extend(place_unit);
            started = true;
        }
        out.extend(group_unit);
        // Zeros closing a group owe no 零 (壹拾万柒仟, not 壹拾万零柒仟).
        zero_owed = false;
    }
}
