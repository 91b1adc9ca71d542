"""Theatre loader (sim.inputs.theatre.load_theatre): the tiny hand-built theatre, and every
validation path on broken copies of it (each names the file, the row and the column)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import TINY, tiny_text

from sim.errors import InputError
from sim.inputs.theatre import KIND_FORT, TheatreWarning, load_theatre

NAMES = ["Westgate", "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Sierra", "Foxtrot",
         "Kafr Ḥamra"]


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine on a sphere of radius 6371 km, written out here for the test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def tiny():
    with warnings.catch_warnings():
        warnings.simplefilter("error", TheatreWarning)    # the tiny theatre is connected
        return load_theatre(TINY)


# -- a good theatre ------------------------------------------------------------------------------
def test_ids_follow_file_order(tiny):
    assert tiny.n == 9
    assert tiny.names == NAMES
    assert [tiny.id_of(nm) for nm in NAMES] == list(range(9))
    assert tiny.lat[4] == 36.0 and tiny.lon[4] == 37.2


@pytest.mark.parametrize(("query", "town"), [
    ("alpha", "Alpha"), ("ALFA", "Alpha"), ("Älpha", "Alpha"), ("alpha ", "Alpha"),
    ("kafr hamra", "Kafr Ḥamra"), ("KAFR ḤAMRA", "Kafr Ḥamra"), ("Kafr-Hamra", "Kafr Ḥamra"),
    ("Tell Rif'at", "Kafr Ḥamra"), ("tell rifat", "Kafr Ḥamra"), ("bab al gharb", "Westgate"),
    ("charly", "Charlie")])
def test_names_and_alt_names_match_case_and_accent_insensitively(tiny, query, town):
    assert tiny.find(query) == NAMES.index(town)
    assert tiny.id_of(query) == NAMES.index(town)


def test_unknown_name(tiny):
    assert tiny.find("Zulu") is None
    with pytest.raises(InputError) as exc:
        tiny.id_of("Zulu", file="x.toml", field="phases[0].objectives")
    assert exc.value.file == "x.toml" and exc.value.field == "phases[0].objectives"
    assert "Zulu" in exc.value.message


def test_roads_resolve_alt_names_and_default_km(tiny):
    pairs = {tuple(sorted(map(int, e))): k for k, e in enumerate(tiny.edges)}
    assert len(pairs) == 8 == len(tiny.km) == len(tiny.road)

    def road(x, y):
        return pairs[tuple(sorted((tiny.id_of(x), tiny.id_of(y))))]

    def gc(x, y):
        i, j = tiny.id_of(x), tiny.id_of(y)
        return great_circle_km(tiny.lat[i], tiny.lon[i], tiny.lat[j], tiny.lon[j])

    # given lengths are kept; "Alfa,Bravo" and "Charly,kafr hamra" were written with alt names
    assert tiny.km[road("Alpha", "Bravo")] == 10.0
    assert tiny.km[road("Alpha", "Sierra")] == 12.0
    # missing lengths: great circle x 1.1 on highways, x 1.2 on other roads
    assert tiny.km[road("Westgate", "Alpha")] == pytest.approx(gc("Westgate", "Alpha") * 1.1)
    assert tiny.km[road("Charlie", "Delta")] == pytest.approx(gc("Charlie", "Delta") * 1.1)
    assert tiny.km[road("Charlie", "Kafr Hamra")] == pytest.approx(
        gc("Charlie", "Kafr Hamra") * 1.2)
    assert 8.5 < gc("Charlie", "Delta") < 9.5          # 0.1 degree of longitude at 36 N
    # road class: blank -> other
    assert tiny.road[road("Delta", "Echo")] == "other"
    assert tiny.highway[road("Westgate", "Alpha")] and not tiny.highway[road("Alpha", "Bravo")]
    assert tiny.graph.number_of_edges() == 8 and tiny.graph.number_of_nodes() == 9
    assert tiny.graph.nodes[4]["name"] == "Delta"


def test_town_attributes(tiny):
    i = {nm: k for k, nm in enumerate(NAMES)}
    assert tiny.kind[i["Delta"]] == "city" and tiny.kind[i["Westgate"]] == "crossing"
    assert tiny.population[i["Delta"]] == 99000 and tiny.population[i["Echo"]] == 0
    # value derived from kind and population when not given: city base 3 + log10(1 + 99)
    assert tiny.value[i["Delta"]] == pytest.approx(5.0)
    assert tiny.value[i["Delta"]] > tiny.value[i["Charlie"]] > tiny.value[i["Bravo"]]
    # fortification: given for Delta, by kind otherwise
    assert tiny.fortification[i["Delta"]] == 0.5
    assert tiny.fortification[i["Bravo"]] == KIND_FORT["village"]
    assert tiny.controller[i["Alpha"]] == "opposition" and tiny.controller[i["Kafr Ḥamra"]] == ""
    # unknown columns are kept as attributes
    assert tiny.attrs["district"][i["Sierra"]] == "North"
    assert tiny.alt_names[i["Alpha"]] == ["Alfa", "Älpha"]
    assert tiny.positions()[i["Delta"]] == (37.2, 36.0)


# -- faults: (file, replacement text, expected field fragments, message fragment) --------------
def edit(fname: str, old: str, new: str) -> str:
    text = tiny_text(fname)
    assert old in text, old
    return text.replace(old, new, 1)


T, R = "towns.csv", "roads.csv"
FAULTS = [
    # unknown town in roads.csv (row 3 is "Alfa,Bravo")
    ("unknown-town", R, edit(R, "Alfa,Bravo", "Alfa,Bravoo"), ("row 3", "column b"), "Bravoo"),
    ("unknown-town-a", R, edit(R, "Westgate,Alpha", "Eastgate,Alpha"), ("row 2", "column a"),
     "Eastgate"),
    # duplicate names: a second Alpha; an alt name equal to another town's name
    ("dup-name", T, tiny_text(T) + "ALPHA,,36.1,36.9,town,,opposition,,West,x\n",
     ("row 11", "column name"), "row 3"),
    ("dup-alt", T, edit(T, "Sierra,,", "Sierra,Brávo,"), ("row 8", "column alt_names"),
     "Brávo"),
    ("dup-alt-alt", T, edit(T, "Sierra,,", "Sierra,Charly,"), ("row 8", "column alt_names"),
     "Charly"),
    ("empty-name", T, edit(T, "Sierra,,", ",,"), ("row 8", "column name"), "empty"),
    # coordinates
    ("bad-lat", T, edit(T, "Bravo,,36.00", "Bravo,,36.0N"), ("row 4", "column lat"), "36.0N"),
    ("lat-range", T, edit(T, "Bravo,,36.00", "Bravo,,91"), ("row 4", "column lat"), "91"),
    ("lon-range", T, edit(T, "36.00,37.10,town", "36.00,-181,town"), ("row 5", "column lon"),
     "-181"),
    ("lat-nan", T, edit(T, "Bravo,,36.00", "Bravo,,nan"), ("row 4", "column lat"), "nan"),
    ("lat-empty", T, edit(T, "Bravo,,36.00", "Bravo,,"), ("row 4", "column lat"), "number"),
    # digits of another script: Python's float() read them as 36.0 and 10 (Arabic-Indic,
    # full-width)
    ("lat-arabic-indic", T, edit(T, "Bravo,,36.00", "Bravo,,٣٦.٠٠"), ("row 4", "column lat"),
     "got '٣٦.٠٠'; numbers are written with the digits 0-9"),
    ("km-full-width", R, edit(R, "Alfa,Bravo,10", "Alfa,Bravo,１０"), ("row 3", "column km"),
     "got '１０'; numbers are written with the digits 0-9"),
    # population, kind, value, fortification
    ("neg-pop", T, edit(T, "town,12000", "town,-5"), ("row 5", "column population"), "-5"),
    ("bad-kind", T, edit(T, "town,12000", "metropolis,12000"), ("row 5", "column kind"),
     "metropolis"),
    ("fort-range", T, edit(T, "city,99000,government,0.5", "city,99000,government,1.5"),
     ("row 6", "column fortification"), "1.5"),
    # roads: class, self-loop, duplicates (also reversed and through an alt name), km
    ("bad-class", R, edit(R, "Westgate,Alpha,,highway", "Westgate,Alpha,,motorway"),
     ("row 2", "column road"), "motorway"),
    ("self-loop", R, tiny_text(R) + "Alpha,Alfa,5,other,x\n", ("row 10",), "itself"),
    ("dup-road", R, tiny_text(R) + "Bravo,Älpha,7,other,x\n", ("row 10",), "row 3"),
    ("bad-km", R, edit(R, "Alfa,Bravo,10", "Alfa,Bravo,ten"), ("row 3", "column km"), "ten"),
    ("zero-km", R, edit(R, "Alfa,Bravo,10", "Alfa,Bravo,0"), ("row 3", "column km"), "0"),
    ("extra-field", R, edit(R, "Alfa,Bravo,10,other,", "Alfa,Bravo,10,other,x,y,"),
     ("row 3",), "more fields"),
]


@pytest.mark.parametrize(("fname", "text", "where", "what"), [f[1:] for f in FAULTS],
                         ids=[f[0] for f in FAULTS])
def test_fault_names_file_row_and_column(theatre_copy, fname, text, where, what):
    d = theatre_copy(**{fname.removesuffix(".csv"): text})
    with pytest.raises(InputError) as exc:
        load_theatre(d)
    err = exc.value
    assert err.file.endswith(fname), err
    for part in where:
        assert part in err.field, err
    assert what in err.message, err
    assert str(err).startswith(err.file)


@pytest.mark.parametrize("fname", [T, R])
def test_missing_columns(theatre_copy, fname):
    lines = tiny_text(fname).splitlines()
    header = lines[0].split(",")
    drop = "lat" if fname == T else "b"
    k = header.index(drop)
    text = "\n".join(",".join(c for j, c in enumerate(line.split(",")) if j != k)
                     for line in lines) + "\n"
    with pytest.raises(InputError) as exc:
        load_theatre(theatre_copy(**{fname.removesuffix(".csv"): text}))
    assert exc.value.file.endswith(fname)
    assert exc.value.field == "header"
    assert drop in exc.value.message and "missing" in exc.value.message


@pytest.mark.parametrize(("change", "said"), [
    (lambda h: h.replace("controller", "controler"), "controller (found 'controler')"),
    (lambda h: h.replace("name", "Name").replace("lat", "Lat"),
     "missing column(s) name (found 'Name'), lat (found 'Lat');"),
    (lambda h: ",".join("lat_deg" if c == "lat" else c for c in h.split(",")),
     "missing column(s) lat (found 'lat_deg');"),
    (lambda h: h.replace(",", ";"), "(the header is one column split by semicolons: "),
    (lambda h: h.replace(",", "\t"), "(the header is one column split by tabs: "),
])
def test_a_missing_column_names_the_column_it_looks_like(theatre_copy, change, said):
    """A misspelt, capitalised or suffixed column (``lat_deg``), or a file split by
    semicolons or tabs (a spreadsheet's export), is named beside the column it lacks (a new
    user's review: the message said columns were missing that the file plainly had)."""
    lines = tiny_text(T).splitlines()
    sep = ";" if "semicolons" in said else "\t" if "tabs" in said else ","
    text = "\n".join([change(lines[0]), *(ln.replace(",", sep) for ln in lines[1:])]) + "\n"
    with pytest.raises(InputError) as exc:
        load_theatre(theatre_copy(towns=text))
    assert exc.value.field == "header" and said in exc.value.message, exc.value.message


@pytest.mark.parametrize("fname", [T, R])
@pytest.mark.parametrize(("content", "what"), [
    ("", "empty"),
    ("\n\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "UTF-8"),
    (b"name,lat,lon,controller\n\x00\x01\x02\x03,1,2,3\n", "binary"),
])
def test_empty_and_binary_files(theatre_copy, fname, content, what):
    with pytest.raises(InputError) as exc:
        load_theatre(theatre_copy(**{fname.removesuffix(".csv"): content}))
    assert exc.value.file.endswith(fname)
    assert what in exc.value.message


def test_header_without_rows(theatre_copy):
    with pytest.raises(InputError) as exc:
        load_theatre(theatre_copy(roads="a,b,km\n"))
    assert exc.value.file.endswith(R) and "no rows" in exc.value.message


@pytest.mark.parametrize("fname", [T, R])
def test_missing_file(theatre_copy, fname):
    with pytest.raises(InputError) as exc:
        load_theatre(theatre_copy(**{fname.removesuffix(".csv"): None}))
    assert exc.value.file.endswith(fname)
    assert "not found" in exc.value.message


def test_missing_folder(tmp_path):
    with pytest.raises(InputError) as exc:
        load_theatre(tmp_path / "nowhere")
    assert "nowhere" in exc.value.file and "not found" in exc.value.message


def test_disconnected_graph_is_a_warning_not_an_error(theatre_copy):
    d = theatre_copy(roads=edit(R, "Alpha,Sierra,12,other,hand-built test data\n", ""))
    with pytest.warns(TheatreWarning, match="Sierra") as rec:
        th = load_theatre(d)
    assert "2 disconnected parts" in str(rec[0].message)
    assert th.n == 9 and len(th.edges) == 7
    assert th.roads().degree[th.id_of("Sierra")] == 0


def test_reload_after_edit_is_not_stale(theatre_copy):
    """The loader caches by modification time: an edited file is read again."""
    d = theatre_copy()
    assert load_theatre(d).population[2] == 800
    import os
    text = edit(T, "village,800", "village,900")
    (d / T).write_text(text, encoding="utf-8")
    st = os.stat(d / T)
    os.utime(d / T, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert load_theatre(d).population[2] == 900
    np.testing.assert_array_equal(load_theatre(d).edges, load_theatre(TINY).edges)
