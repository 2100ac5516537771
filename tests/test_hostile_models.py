"""Hostile model files: crafted .npz archives that `load_model` must refuse with a one-line
PostagError naming the file, without a traceback, without allocating what a header claims and
without ever unpickling anything. `postag tag` and `postag info` must exit 2 on each."""

from __future__ import annotations

import functools
import io
import json
import pathlib
import pickle
import struct
import tempfile
import tracemalloc
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from postag_cli.cli import cli
from postag_cli.errors import PostagError
from postag_cli.model import init_params
from postag_cli.modelio import CHECKPOINT_MAGIC, load_model, save_model

FEATURES = ["w=<unk>", "w=.", "w=cat", "w=sleeps", "w=the"]
TAGS = ["DET", "NOUN", "PUNCT", "VERB"]
META = {"arch": "birnn", "layers": 1, "hidden": 4, "templates": ["w"], "tag_column": "upos"}


# ---------------------------------------------------------------------------------------------
# building blocks


@functools.lru_cache(maxsize=1)
def _valid_members() -> dict:
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "m.npz"
        params = init_params(len(FEATURES), len(TAGS), hidden=4, arch="birnn", layers=1)
        save_model(path, params, FEATURES, TAGS, META)
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}


def valid_arrays() -> dict:
    """The members of a valid model written by save_model, {name without .npy: array}."""
    return {k: v.copy() for k, v in _valid_members().items()}


def npy_bytes(a) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(a), allow_pickle=True)
    return buf.getvalue()


def npy_header(descr: str, shape: tuple, fortran=False) -> bytes:
    """A hand-written version 1.0 .npy header (magic, length, padded dict)."""
    d = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {shape!r}, }}"
    pad = 64 - (10 + len(d) + 1) % 64
    d = d + " " * (pad % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode("latin-1")


def write_zip(path, members: dict, compression=zipfile.ZIP_STORED):
    """members: {member name: array or raw bytes}."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, value in members.items():
            data = value if isinstance(value, bytes) else npy_bytes(value)
            zf.writestr(name, data)
    return path


def npz(path, arrays: dict, compression=zipfile.ZIP_STORED):
    return write_zip(path, {k + ".npy": v for k, v in arrays.items()}, compression)


def with_meta(arrays, meta) -> dict:
    return {**arrays, "meta": np.array(json.dumps(meta))}


def patch_sizes(path, member: str, file_size: int):
    """Overwrite the uncompressed size of `member` in its local header and the central
    directory (the CRC stays that of the real data)."""
    data = bytearray(pathlib.Path(path).read_bytes())
    name = member.encode()
    # (signature, offset of the uncompressed size, of the name length, of the name):
    # the local file header, then the central directory header
    for sig, size_at, len_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                          (b"PK\x01\x02", 24, 28, 46)):
        i = data.find(sig)
        while i >= 0:
            n = struct.unpack_from("<H", data, i + len_at)[0]
            if data[i + name_at:i + name_at + n] == name:
                struct.pack_into("<I", data, i + size_at, file_size)
            i = data.find(sig, i + 4)
    pathlib.Path(path).write_bytes(bytes(data))


def patch_central(path, offset: int, fmt: str, value):
    """Set a field of every central directory header and local header (`offset` is the field's
    offset in the central header; in the local header, flags and method are 2 bytes earlier)."""
    data = bytearray(pathlib.Path(path).read_bytes())
    for sig, off in ((b"PK\x01\x02", offset), (b"PK\x03\x04", offset - 2)):
        i = data.find(sig)
        while i >= 0:
            struct.pack_into(fmt, data, i + off, value)
            i = data.find(sig, i + 4)
    pathlib.Path(path).write_bytes(bytes(data))


class _Touch:
    """Unpickling this calls Path.touch(marker): proof that something was unpickled."""

    def __init__(self, marker):
        self.marker = pathlib.Path(marker)

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def evil_object_array(marker) -> np.ndarray:
    a = np.empty(1, dtype=object)
    a[0] = _Touch(marker)
    return a


def zeros_deflated_member(path, arrays, name, header: bytes, n_zero_bytes: int):
    """A .npz whose member `name` is `header` followed by n zero bytes, deflated (over 200:1
    even at level 1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for k, v in arrays.items():
            zf.writestr(k + ".npy", npy_bytes(v))
        with zf.open(name + ".npy", "w") as f:
            f.write(header)
            block = bytes(1 << 20)
            for _ in range(n_zero_bytes >> 20):
                f.write(block)
    return path


BOMB = 16 << 20  # bytes of zeros behind a zip bomb's small header (about 75 KB deflated)


def _cached(build):
    """Build once per session (for the slow builders that need no per-test paths)."""
    cache = {}

    def cached(path, tmp):
        if "data" not in cache:
            cache["data"] = pathlib.Path(build(path, tmp)).read_bytes()
        path.write_bytes(cache["data"])
        return path
    return cached


# ---------------------------------------------------------------------------------------------
# the cases: name -> (builder(path, tmp_path), phrase the message must contain)


def _obj_meta(path, tmp):
    a = valid_arrays()
    a["meta"] = evil_object_array(tmp / "PWNED")
    return npz(path, a)


def _obj_param(path, tmp):
    a = valid_arrays()
    a["param.by"] = evil_object_array(tmp / "PWNED")
    return npz(path, a)


def _obj_structured(path, tmp):
    a = valid_arrays()
    s = np.empty(1, dtype=[("x", "f8"), ("o", "O")])
    s[0] = (1.0, _Touch(tmp / "PWNED"))
    a["param.by"] = s
    return npz(path, a)


def _drop(key):
    def build(path, tmp):
        a = valid_arrays()
        del a[key]
        return npz(path, a)
    return build


def _set(key, value):
    def build(path, tmp):
        a = valid_arrays()
        a[key] = value() if callable(value) else value
        return npz(path, a)
    return build


def _meta(**changes):
    def build(path, tmp):
        meta = {**json.loads(str(valid_arrays()["meta"])), **changes}
        return npz(path, with_meta(valid_arrays(), meta))
    return build


def _param(name, fn):
    def build(path, tmp):
        a = valid_arrays()
        a["param." + name] = fn(a["param." + name])
        return npz(path, a)
    return build


def _checkpoint(path, tmp):
    params = init_params(len(FEATURES), len(TAGS), hidden=4, arch="birnn", layers=1)
    meta = {**META, "checkpoint": {"epochs_run": 1, "best_epoch": 1, "best_dev": None,
                                   "history": []}}
    save_model(path, params, FEATURES, TAGS, meta, magic=CHECKPOINT_MAGIC,
               extra={"adagrad": {k: np.zeros_like(v) for k, v in params.items()}})
    return path


def _huge_header(path, tmp):
    a = valid_arrays()
    del a["param.Wxh"]
    members = {k + ".npy": npy_bytes(v) for k, v in a.items()}
    members["param.Wxh.npy"] = npy_header("<f4", (1_000_000, 1_000_000)) + bytes(64)
    return write_zip(path, members)


def _huge_strings(path, tmp):
    a = valid_arrays()
    del a["features"]
    members = {k + ".npy": npy_bytes(v) for k, v in a.items()}
    members["features.npy"] = npy_header("<U100000", (100_000,)) + bytes(64)
    return write_zip(path, members)


def _negative_shape(path, tmp):
    a = valid_arrays()
    del a["param.by"]
    members = {k + ".npy": npy_bytes(v) for k, v in a.items()}
    members["param.by.npy"] = npy_header("<f4", (-4,)) + bytes(16)
    return write_zip(path, members)


def _bomb_declared_small(path, tmp):
    """by.npy's header and the archive both say 16 bytes of data, but the deflate stream
    inflates to BOMB bytes."""
    a = valid_arrays()
    del a["param.by"]
    header = npy_header("<f4", (4,))
    zeros_deflated_member(path, a, "param.by", header, BOMB)
    patch_sizes(path, "param.by.npy", len(header) + 16)
    return path


def _bomb_size_disagrees(path, tmp):
    """by.npy's header says (4,) float32 but the archive says it unpacks to BOMB bytes."""
    a = valid_arrays()
    del a["param.by"]
    return zeros_deflated_member(path, a, "param.by", npy_header("<f4", (4,)), BOMB)


def _bomb_consistent(path, tmp):
    """A member whose header, declared size and data agree: BOMB bytes of zeros in about 75 KB."""
    a = valid_arrays()
    del a["param.Wxh"]
    header = npy_header("<f4", (BOMB // 4,))
    return zeros_deflated_member(path, a, "param.Wxh", header, BOMB)


def _extra_member(name, data=b"hello"):
    def build(path, tmp):
        members = {k + ".npy": npy_bytes(v) for k, v in valid_arrays().items()}
        members[name] = data
        return write_zip(path, members)
    return build


def _duplicate_member(path, tmp):
    import warnings
    members = {k + ".npy": npy_bytes(v) for k, v in valid_arrays().items()}
    write_zip(path, members)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("tags.npy", npy_bytes(np.array(["X", "X"])))
    return path


def _many_members(path, tmp):
    members = {k + ".npy": npy_bytes(v) for k, v in valid_arrays().items()}
    for i in range(1001):
        members[f"junk.a{i}.npy"] = npy_bytes(np.zeros(1))
    return write_zip(path, members)


def _truncated(path, tmp):
    good = _valid(tmp / "whole.npz", tmp)
    data = good.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def _truncated_tail(path, tmp):
    """Cut in the central directory: the end record is there, the directory is not complete."""
    good = _valid(tmp / "whole.npz", tmp)
    data = good.read_bytes()
    cd = data.rfind(b"PK\x01\x02")
    path.write_bytes(data[:cd + 10] + data[-22:])
    return path


def _flip_data_byte(path, tmp):
    """A byte of the weights changed: the member's CRC-32 no longer matches."""
    good = _valid(tmp / "whole.npz", tmp)
    data = bytearray(good.read_bytes())
    i = data.find(b"param.Wxh.npy") + len("param.Wxh.npy") + 200
    data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _corrupt_deflate(path, tmp):
    a = valid_arrays()
    npz(path, a, compression=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    i = data.find(b"param.Wxh.npy") + len("param.Wxh.npy") + 40
    for j in range(i, i + 30):
        data[j] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def _compression(method):
    def build(path, tmp):
        npz(path, valid_arrays())
        patch_central(path, 10, "<H", method)  # central: method at 10, local: at 8
        return path
    return build


def _encrypted(path, tmp):
    npz(path, valid_arrays())
    patch_central(path, 8, "<H", 1)  # general purpose flag bit 0: encrypted
    return path


def _valid(path, tmp):
    params = init_params(len(FEATURES), len(TAGS), hidden=4, arch="birnn", layers=1)
    save_model(path, params, FEATURES, TAGS, META)
    return path


def _bytes(data):
    def build(path, tmp):
        path.write_bytes(data)
        return path
    return build


def _plain_npy(path, tmp):
    with open(path, "wb") as f:
        np.save(f, np.zeros(3))
    return path


def _pickle_file(path, tmp):
    path.write_bytes(pickle.dumps(_Touch(tmp / "PWNED")))
    return path


def _deep_json(path, tmp):
    return npz(path, {**valid_arrays(), "meta": np.array("[" * 100_000 + "]" * 100_000)})


HOSTILE = {
    # not a model at all
    "random_bytes": (_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8))),
                     "not a postag model"),
    "text_file": (_bytes(b"this is not a model\n" * 10), "not a postag model"),
    "empty_file": (_bytes(b""), "not a postag model"),
    "plain_npy": (_plain_npy, "not a postag model"),
    "pickle_file": (_pickle_file, "not a postag model"),
    "truncated_half": (_truncated, "not a postag model"),
    "truncated_directory": (_truncated_tail, "not a postag model"),
    # archive structure
    "non_npy_member": (_extra_member("README.txt"), "unexpected member 'README.txt'"),
    "member_with_path": (_extra_member("../x.npy", npy_bytes(np.zeros(2))),
                         "unexpected member '../x.npy'"),
    "member_absolute_path": (_extra_member("/tmp/x.npy", npy_bytes(np.zeros(2))),
                             "unexpected member '/tmp/x.npy'"),
    "duplicate_member": (_duplicate_member, "duplicate member 'tags.npy'"),
    "too_many_members": (_cached(_many_members), "members)"),
    "unsupported_compression": (_compression(1), "corrupt archive"),
    "encrypted_member": (_encrypted, "corrupt archive"),
    "bad_crc": (_flip_data_byte, "Bad CRC-32"),
    "corrupt_deflate": (_corrupt_deflate, "corrupt"),
    # pickles
    "object_array_meta": (_obj_meta, "holds Python objects"),
    "object_array_param": (_obj_param, "holds Python objects"),
    "object_field_structured": (_obj_structured, "holds Python objects"),
    # missing or malformed core arrays
    "no_meta": (_drop("meta"), "no 'meta' array"),
    "no_features": (_drop("features"), "no 'features' array"),
    "no_tags": (_drop("tags"), "no 'tags' array"),
    "no_magic": (_drop("magic"), "no 'magic' array"),
    "no_weights": (lambda p, t: npz(p, {k: v for k, v in valid_arrays().items()
                                        if not k.startswith("param.")}), "weights missing"),
    "missing_weight": (_drop("param.Why"), "weights missing ['Why']"),
    "unexpected_weight": (_set("param.Wzz", np.zeros(3, np.float32)), "unexpected ['Wzz']"),
    "meta_not_json": (_set("meta", np.array("{arch: birnn")), "not valid JSON"),
    "meta_json_list": (_set("meta", np.array('["arch", "birnn"]')), "not a JSON object"),
    "meta_deeply_nested": (_deep_json, "not valid JSON"),
    "meta_is_bytes": (_set("meta", np.array(b'{"arch": "birnn"}')), "bad 'meta' array"),
    "meta_1d": (_set("meta", np.array(['{"arch": "birnn"}'])), "bad 'meta' array"),
    "features_floats": (_set("features", np.zeros(5)), "'features' must be a string"),
    "features_format_1_in_2": (_set("features", np.array(["w=<unk>", "w=."])),
                               "'features' does not match format 2"),
    "tags_2d": (_set("tags", np.array([TAGS])), "'tags' must be a 1-d string array"),
    # identity and version
    "wrong_magic": (_set("magic", np.array("not-postag")), "not a postag model"),
    "magic_int": (_set("magic", np.array(7)), "bad 'magic' array"),
    "newer_format": (_set("format_version", np.array(3, np.int64)), "upgrade postag"),
    "format_zero": (_set("format_version", np.array(0, np.int64)), "format version 0"),
    "format_float": (_set("format_version", np.array(1.0)), "bad format_version"),
    "checkpoint_as_model": (_checkpoint, "this is a checkpoint, not a model"),
    # settings
    # (each setting is checked as settings.py declares it, as `postag train` checks its option)
    "unknown_arch": (_meta(arch="transformer"),
                     "setting arch must be one of birnn, rnn, not 'transformer'"),
    "arch_null": (_meta(arch=None), "setting arch must be a string, not None"),
    "hidden_zero": (_meta(hidden=0), "bad hidden size 0"),
    "dropout_one": (_meta(dropout=1.0), "setting dropout must be in [0, 1), not 1.0"),
    "crf_string": (_meta(crf="yes"), "setting crf must be true or false, not 'yes'"),
    "lr_infinite": (_meta(lr=float("inf")), "setting lr must be a finite number, not inf"),
    # a model of the removed option --embed-size: refused, the option named
    "removed_embed_size": (_meta(embed_size=4), "trained with --embed-size 4, which postag no "
                           "longer has"),
    # a checkpoint of the removed option --aux-weight (its models, which never held the
    # auxiliary layer, still load: test_model_of_a_removed_training_option_still_loads)
    "removed_aux_weight": (_meta(aux_weight=0.5, aux_tags=["NN", "VB"]),
                           "made with --aux-weight, which postag no longer has"),
    "hidden_absurd": (_meta(hidden=10**9), "setting hidden must be at most 8192, not 1000000000"),
    "hidden_negative": (_meta(hidden=-4), "setting hidden must be at least 0, not -4"),
    "hidden_string": (_meta(hidden="4"), "setting hidden must be a whole number, not '4'"),
    "hidden_bool": (_meta(hidden=True), "setting hidden must be a whole number, not True"),
    "layers_zero": (_meta(layers=0), "setting layers must be at least 1, not 0"),
    "layers_absurd": (_meta(layers=10**6), "setting layers must be at most 16"),
    "templates_missing": (_meta(templates=None), "bad feature templates"),
    "template_unknown": (_meta(templates=["w", "zzz"]), "unknown feature template 'zzz'"),
    "template_without_unk": (_meta(templates=["w", "s3"]), "no unknown entry for feature 's3'"),
    "tag_column_bad": (_meta(tag_column="deprel"),
                       "setting tag_column must be one of upos, xpos, not 'deprel'"),
    "adversarial_negative": (_meta(adversarial=-1.0), "setting adversarial must be >= 0, not -1.0"),
    "adversarial_string": (_meta(adversarial="1"), "setting adversarial must be a number, not '1'"),
    "multiword_tokens_list": (_meta(multiword_tokens=["du", "de le"]), "bad multiword_tokens"),
    "multiword_tokens_one_word": (_meta(multiword_tokens={"du": ["de"]}), "bad multiword_tokens"),
    "multiword_tokens_space": (_meta(multiword_tokens={"du": ["de", "l e"]}),
                               "bad multiword_tokens"),
    "multiword_tokens_empty_word": (_meta(multiword_tokens={"du": ["de", ""]}),
                                    "bad multiword_tokens"),
    "multiword_tokens_not_str": (_meta(multiword_tokens={"du": ["de", 3]}),
                                 "bad multiword_tokens"),
    "elisions_not_list": (_meta(elisions="l'"), "bad elisions"),
    "elisions_no_apostrophe": (_meta(elisions=["le"]), "bad elisions"),
    "elisions_space": (_meta(elisions=["l '"]), "bad elisions"),
    "hyphenated_words_string": (_meta(hyphenated_words="yes"), "bad hyphenated_words"),
    "abbreviations_no_stop": (_meta(abbreviations=["usw"]), "bad abbreviations"),
    "abbreviations_space": (_meta(abbreviations=["z. b."]), "bad abbreviations"),
    "spaced_words_no_space": (_meta(spaced_words=["sinh"]), "bad spaced_words"),
    "spaced_words_two_spaces": (_meta(spaced_words=["sinh  viên"]), "bad spaced_words"),
    "spaced_words_tab": (_meta(spaced_words=["sinh\tviên"]), "bad spaced_words"),
    "spaced_words_not_list": (_meta(spaced_words="sinh viên"), "bad spaced_words"),
    "spaced_words_9_pieces": (_meta(spaced_words=[" ".join("abcdefghi")]), "bad spaced_words"),
    # vocabulary and tagset
    "duplicate_tags": (_set("tags", np.array(["DET", "NOUN", "NOUN", "VERB"])),
                       "tagset is empty or has duplicates"),
    "empty_tagset": (_set("tags", np.zeros(0, "<U1")), "tagset is empty or has duplicates"),
    "duplicate_features": (_set("features", np.array("w=<unk>\nw=a\nw=a\nw=b\nw=c")),
                           "duplicate feature names"),
    "no_unk_feature": (_set("features", np.array("w=x\nw=.\nw=cat\nw=sleeps\nw=the")),
                       "no unknown entry for feature 'w'"),
    # weights
    "wxh_rows_vs_vocabulary": (_param("Wxh", lambda a: a[:-1]), "Wxh has shape (4, 8)"),
    "why_cols_vs_tagset": (_param("Why", lambda a: a[:, :-1]), "Why has shape (8, 3)"),
    "whh_vs_hidden": (_param("Whh", lambda a: np.zeros((2, 5, 5), a.dtype)),
                      "Whh has shape (2, 5, 5)"),
    "int_weights": (_param("Wxh", lambda a: a.astype(np.int64)), "must hold floats"),
    "complex_weights": (_param("Wxh", lambda a: a.astype(np.complex128)), "must hold floats"),
    "bool_weights": (_param("by", lambda a: a > 0), "must hold floats"),
    "float16_weights": (_param("Wxh", lambda a: a.astype(np.float16)), "dtype float16"),
    "big_endian_weights": (_param("Wxh", lambda a: a.astype(">f4")), "dtype >f4"),
    "nan_weights": (_param("Whh", lambda a: np.where(a == a.flat[0], np.nan, a)), "NaN"),
    "inf_weights": (_param("by", lambda a: a + np.inf), "infinite"),
    "float32_overflow": (_param("Why", lambda a: a.astype(np.float64) * 1e300), "too large"),
    # sizes: refused from the headers, before reading or allocating
    "header_1e12_elements": (_huge_header, "is too large"),
    "header_huge_strings": (_huge_strings, "too large"),
    "header_negative_shape": (_negative_shape, "corrupt"),
    "zip_bomb_declared_small": (_cached(_bomb_declared_small), "Bad CRC-32"),
    "zip_bomb_size_disagrees": (_cached(_bomb_size_disagrees), "inconsistent size"),
    "zip_bomb_consistent": (_cached(_bomb_consistent), "suspicious compression ratio"),
}


@pytest.fixture
def hostile(request, tmp_path):
    name = request.param
    build, phrase = HOSTILE[name]
    path = build(tmp_path / f"{name}.npz", tmp_path)
    return pathlib.Path(path), phrase, tmp_path


def test_valid_model_loads(tmp_path):
    path = _valid(tmp_path / "ok.npz", tmp_path)
    params, features, tags, meta, extra = load_model(path)
    assert features == FEATURES and tags == TAGS and meta["hidden"] == 4 and extra == {}
    assert params["Wxh"].shape == (len(FEATURES), 8) and params["Why"].shape == (8, len(TAGS))
    # the rebuilt members of a valid model also load (the mutations start from these)
    load_model(npz(tmp_path / "rebuilt.npz", valid_arrays()))
    load_model(npz(tmp_path / "deflated.npz", valid_arrays(), zipfile.ZIP_DEFLATED))
    # and the CLI reads it
    result = CliRunner().invoke(cli, ["info", str(path)])
    assert result.exit_code == 0, result.output


def test_format_1_model_loads(tmp_path):
    """Models written before format 2 (features as a fixed-width 1-d array) are still read."""
    a = valid_arrays()
    a["format_version"] = np.array(1, np.int64)
    a["features"] = np.array(FEATURES)
    params, features, tags, meta, _ = load_model(npz(tmp_path / "v1.npz", a))
    assert features == FEATURES and meta["format_version"] == 1
    result = CliRunner().invoke(cli, ["info", str(tmp_path / "v1.npz")])
    assert result.exit_code == 0 and "format          1 " in result.output, result.output


def test_a_long_token_does_not_bloat_the_model(tmp_path):
    """The feature names are stored as one string: a 100,000-character token adds about its
    own length (format 1 padded every name to the longest)."""
    params, _, _, meta, _ = load_model(_valid(tmp_path / "ok.npz", tmp_path))
    long = ["w=" + "x" * 100_000]
    save_model(tmp_path / "a.npz", params, FEATURES, TAGS, meta)
    params["Wxh"] = np.vstack([params["Wxh"], params["Wxh"][:1]])
    save_model(tmp_path / "b.npz", params, FEATURES + long, TAGS, meta)
    grown = (tmp_path / "b.npz").stat().st_size - (tmp_path / "a.npz").stat().st_size
    assert 400_000 <= grown < 500_000  # 4 bytes per character, once
    assert load_model(tmp_path / "b.npz")[1] == FEATURES + long


def test_evil_pickle_is_live(tmp_path):
    """The payload used below really runs code when unpickled (so its absence means something)."""
    marker = tmp_path / "LIVE"
    path = npz(tmp_path / "evil.npz", {"x": evil_object_array(marker)})
    with np.load(path, allow_pickle=True) as z:
        z["x"]
    assert marker.exists()


def test_too_many_spaced_words_are_refused(tmp_path, monkeypatch):
    """At most MAX_SPACED_WORDS words with spaces (tested with the limit lowered to 3)."""
    from postag_cli import modelio
    monkeypatch.setattr(modelio, "MAX_SPACED_WORDS", 3)
    _meta(spaced_words=["a b", "c d", "e f"])(tmp_path / "ok.npz", tmp_path)
    load_model(tmp_path / "ok.npz")
    _meta(spaced_words=["a b", "c d", "e f", "g h"])(tmp_path / "bad.npz", tmp_path)
    with pytest.raises(PostagError, match="bad spaced_words"):
        load_model(tmp_path / "bad.npz")


def test_model_of_a_removed_training_option_still_loads(tmp_path):
    """A model trained with --aux-weight (removed: it measured no gain) never held the
    auxiliary layer, so it loads and tags; `info` still shows the weight it was trained with."""
    _meta(aux_weight=0.5)(tmp_path / "old.npz", tmp_path)
    assert load_model(tmp_path / "old.npz")[3]["aux_weight"] == 0.5
    r = CliRunner().invoke(cli, ["info", str(tmp_path / "old.npz")])
    assert r.exit_code == 0 and "auxiliary loss weight 0.5" in r.stdout, r.output


@pytest.mark.parametrize("hostile", sorted(HOSTILE), indirect=True)
def test_hostile_model_refused(hostile):
    """load_model raises a one-line PostagError naming the file; `postag tag` and `postag info`
    exit 2 with that line on stderr, no traceback and no output file; nothing is unpickled."""
    path, phrase, tmp = hostile
    tracemalloc.start()
    try:
        with pytest.raises(PostagError) as e:
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak} bytes allocated: refused too late"  # numpy is traced too
    msg = str(e.value)
    assert msg.startswith(f"{path}: "), msg
    assert phrase in msg, msg
    assert "\n" not in msg and len(msg) < 400, msg
    assert e.value.exit_code == 2

    text = tmp / "in.txt"
    text.write_text("The cat sleeps .\n")
    out = tmp / "out.txt"
    for args in (["tag", str(text), "-m", str(path), "-o", str(out)], ["info", str(path)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args[0], result.output, result.exception)
        assert isinstance(result.exception, SystemExit), result.exception
        lines = result.stderr.strip().splitlines()
        assert lines == [f"Error: {msg}"], result.stderr
        assert result.stdout == "" and "Traceback" not in result.output
        assert not out.exists()
    assert not (tmp / "PWNED").exists(), "something was unpickled"


# ---------------------------------------------------------------------------------------------
# checkpoints (`postag train --resume`): the training state must be there and well-formed


def _checkpoint_arrays(state_changes=None, drop=None) -> dict:
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "ck.npz"
        _checkpoint(path, None)
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files if k != drop}
    meta = json.loads(str(arrays["meta"]))
    if state_changes is not None:
        meta["checkpoint"] = {**meta["checkpoint"], **state_changes} if state_changes else None
    return with_meta(arrays, meta)


BAD_CHECKPOINTS = {
    "no_state": (lambda: _checkpoint_arrays({}), "missing or bad training state"),
    "epochs_run_string": (lambda: _checkpoint_arrays({"epochs_run": "1"}),
                          "missing or bad training state"),
    "best_dev_string": (lambda: _checkpoint_arrays({"best_dev": "0.9"}),
                        "missing or bad training state"),
    "history_not_list": (lambda: _checkpoint_arrays({"history": 3}),
                         "missing or bad training state"),
    "adagrad_incomplete": (lambda: _checkpoint_arrays(drop="adagrad.Why"),
                           "incomplete adagrad arrays"),
}


def test_valid_checkpoint_loads(tmp_path):
    params, _, _, meta, extra = load_model(_checkpoint(tmp_path / "ck.npz", tmp_path),
                                           magic=CHECKPOINT_MAGIC)
    assert meta["checkpoint"]["epochs_run"] == 1 and set(extra["adagrad"]) == set(params)
    with pytest.raises(PostagError, match="this is a model, not a checkpoint"):
        load_model(_valid(tmp_path / "model.npz", tmp_path), magic=CHECKPOINT_MAGIC)


@pytest.mark.parametrize("name", sorted(BAD_CHECKPOINTS))
def test_bad_checkpoint_refused(name, tmp_path):
    build, phrase = BAD_CHECKPOINTS[name]
    path = npz(tmp_path / f"{name}.npz", build())
    with pytest.raises(PostagError) as e:
        load_model(path, magic=CHECKPOINT_MAGIC)
    assert str(e.value) == f"{path}: corrupt checkpoint: {phrase}"


def test_cli_resume_from_bad_checkpoint(tmp_path):
    corpus = tmp_path / "train.conllu"
    corpus.write_text("".join(f"# sent_id = {i}\n1\tThe\t_\tDET\t_\t_\t_\t_\t_\t_\n"
                              f"2\tcat\t_\tNOUN\t_\t_\t_\t_\t_\t_\n\n" for i in range(3)))
    ck = npz(tmp_path / "ck.npz", BAD_CHECKPOINTS["no_state"][0]())
    out = tmp_path / "out.npz"
    result = CliRunner().invoke(cli, ["train", str(corpus), "-o", str(out), "--resume", str(ck),
                                      "--skip-gradcheck", "--epochs", "2", "--hidden", "4",
                                      "--features", "word"])
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines()[-1] == \
        f"Error: {ck}: corrupt checkpoint: missing or bad training state"
    assert not out.exists()
