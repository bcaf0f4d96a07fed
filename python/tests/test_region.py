"""The region tree hands back Region objects and accepts codes in any form."""

from __future__ import annotations

from yikatong import Region, RegionCode, RegionLevel, RegionTree


def test_lookup_returns_region_objects() -> None:
    tree = RegionTree.bundled()
    town = tree.find_by_path("内蒙古自治区/赤峰市/巴林左旗/林东镇")
    assert isinstance(town, Region)
    assert town.code == RegionCode("150422100")
    assert (town.name, town.level, town.level_term) == ("林东镇", RegionLevel.Township, "镇")
    assert town.parent == RegionCode("150422")
    assert tree.lookup("150422100") == town == tree.get(150422100000)
    assert tree.name_path(town.code) == "内蒙古自治区/赤峰市/巴林左旗/林东镇"
    assert repr(town) == "Region('150422100000', '林东镇')"
    assert tree.get("150499") is None


def test_collections_come_back_as_lists_in_code_order() -> None:
    tree = RegionTree.bundled()
    children = tree.children("150422")
    assert children and all(c.parent == RegionCode("150422") for c in children)
    assert [c.code for c in children] == sorted(c.code for c in children)
    provinces = tree.provinces()
    assert provinces[0].name == "北京市" and all(p.level == RegionLevel.Province for p in provinces)
    subtree = tree.subtree("150422")
    assert subtree[0].code == RegionCode("150422") and all(r.code.is_within("150422") for r in subtree)
    assert len(tree) == len(list(tree)) > 40_000
    assert "15" in tree and "150499" not in tree and tree.contains(RegionCode("1504"))


def test_region_code_navigation() -> None:
    code = RegionCode("150422100")
    assert code.level == RegionLevel.Township
    assert code.ancestors() == [RegionCode("150422"), RegionCode("1504"), RegionCode("15")]
    assert code.truncate(RegionLevel.Prefecture) == RegionCode("1504")
    assert code.to_short_string() == "150422100"
    assert code.segment(RegionLevel.County) == 22
    assert RegionCode("15").parent is None
    assert RegionLevel.Township.parent_level() == RegionLevel.County
    assert RegionLevel.from_name("village") == RegionLevel.Village and RegionLevel.from_name("x") is None


def test_tree_from_csv_bytes() -> None:
    csv = "code12,name,level,parent_code12\n150000000000,内蒙古自治区,province,\n150400000000,赤峰市,prefecture,150000000000\n"
    tree = RegionTree.from_csv("mini.csv", csv.encode())
    assert len(tree) == 2
    assert tree.lookup("1504").name == "赤峰市"
    merged = RegionTree.merge([("a.csv", csv.encode())])
    assert [r.name for r in merged] == ["内蒙古自治区", "赤峰市"]
