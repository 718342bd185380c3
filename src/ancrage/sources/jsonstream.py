"""Stream the records of a big JSON file in bounded memory.

The file is decoded as UTF-8 in chunks (4 MiB by default). The reader walks the top-level object
by hand, descends only into the keys leading to the record arrays it was asked for (``marches``,
``marches.marche``...), skips every other value, and parses one record at a time with the C
decoder of :mod:`json` (``raw_decode``). When a chunk boundary cuts a value, the next chunk is
appended and the value is parsed again; the consumed text is dropped at each refill, so memory
stays around two chunks plus the largest record.

Errors a user can cause (empty file, truncated file, not UTF-8, XML or HTML given as JSON, JSON
without the expected structure) raise :class:`ancrage.errors.InputFileError`.

Shares: with ``ctx.share = (k, n)``, the items of the record arrays (counted together, in file
order) are dealt in blocks of :data:`SHARE_BLOCK`, block ``b`` going to share ``b % n``; only the
items of share ``k`` are yielded. ``ctx.position`` is the index of the yielded item among all the
items, so positions do not depend on the number of shares.

A share does not parse the items of the other shares: the file is mapped in memory and msgspec
finds where every item begins and ends without building it (its JSON scanner checks the syntax
of the whole file in a few hundredths of a second per 100 MB); only the items of the share are
then decoded. The byte ranges of the root object's members are checked to cover the object, so
that a key given twice (whose first value a JSON parser drops) is not missed. Anything that
scanner refuses (a syntax error, ``NaN``, a control character in a string, invalid UTF-8, a
number out of range, another layout than expected) sends the share back to the streaming reader
from the item where it stopped: it reads the file the way it always did, errors included, and
yields what the share still has to yield.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import mmap
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import msgspec
import numpy as np

from ancrage.errors import InputFileError
from ancrage.sources.base import ReadContext

CHUNK_SIZE = 4 * 1024 * 1024
SHARE_BLOCK = 2_000  # items dealt together to one share (the normaliser's batch size)
_BOM = b"\xef\xbb\xbf"
_WS = re.compile(r"[ \t\n\r]*")
# Messages of json.JSONDecodeError that a chunk boundary can cause anywhere inside a value.
_CUT_MESSAGES = ("Unterminated string", "Invalid \\uXXXX escape", "Invalid \\escape")
# Other errors are caused by a cut only when nothing but a token prefix follows them (``tru``).
_TOKEN_TAIL = re.compile(r"[-+.\w]*\s*\Z")
# A number followed by number characters up to the end of the buffer may go on ("1" of "1.5").
_NUMBER_TAIL = re.compile(r"[-+.\w]*\Z")
_NUMBERS = (int, float)
# between the members of an object: the end of a value, a comma, the next key and its colon
_WS_B = rb"[ \t\n\r]*"
_KEY_B = rb'"(?:[^"\\]|\\.)*"' + _WS_B + rb":" + _WS_B
_FIRST_GAP = re.compile(_WS_B + rb"\{" + _WS_B + _KEY_B)
_GAP = re.compile(_WS_B + rb"," + _WS_B + _KEY_B)
_LAST_GAP = re.compile(_WS_B + rb"\}" + _WS_B)
_EMPTY_OBJECT = re.compile(_WS_B + rb"\{" + _WS_B + rb"\}" + _WS_B)
_TRUNCATED_HINT = (
    "Le fichier a sans doute été coupé pendant le téléchargement ; téléchargez-le à nouveau."
)

UTF8_HINT = "Réencodez-le en UTF-8, par exemple : iconv -f latin1 -t utf-8 IN > OUT."
EMPTY_HINT = "Téléchargez-le à nouveau depuis sa source."

KeyPath = tuple[str, ...]


def _type_name(char: str) -> str:
    return {
        "{": "un objet",
        "[": "un tableau",
        '"': "une chaîne",
        "t": "un booléen",
        "f": "un booléen",
        "n": "null",
    }.get(char, "un nombre")


class _Text:
    """A window of decoded text over the file, refilled chunk by chunk."""

    def __init__(self, fh: BinaryIO, path: Path, ctx: ReadContext, chunk_size: int) -> None:
        self.fh = fh
        self.path = path
        self.ctx = ctx
        self.chunk_size = chunk_size
        self.text = ""
        self.pos = 0
        self.base_bytes = 0  # byte offset in the file of text[0]
        self.bytes_read = 0
        self.eof = False
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.decode = json.JSONDecoder(strict=False).raw_decode
        head = fh.read(len(_BOM))
        if head == _BOM:
            self.base_bytes = self.bytes_read = len(_BOM)
        else:
            self._feed(head, final=False)

    # -- low level -------------------------------------------------------------------------

    def _feed(self, data: bytes, *, final: bool) -> None:
        pending = len(self.decoder.getstate()[0])
        try:
            self.text += self.decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            offset = self.bytes_read - pending + exc.start
            if final and exc.reason == "unexpected end of data":
                raise InputFileError(
                    "JSON tronqué : le fichier s'arrête au milieu d'un caractère "
                    f"(octet {offset + len(exc.object) - exc.start})",
                    file=self.path,
                    hint=_TRUNCATED_HINT,
                ) from None
            bad = exc.object[exc.start : exc.start + 1].hex()
            raise InputFileError(
                f"pas en UTF-8 : octet invalide 0x{bad} à la position {offset}",
                file=self.path,
                hint=UTF8_HINT,
            ) from None
        self.bytes_read += len(data)

    def refill(self) -> bool:
        """Append the next chunk, dropping the consumed text. False at the end of the file."""
        if self.eof:
            return False
        if self.pos:
            self.base_bytes += len(self.text[: self.pos].encode("utf-8"))
            self.text = self.text[self.pos :]
            self.pos = 0
        # grow the read when a single value spans more than a chunk
        size = max(self.chunk_size, len(self.text))
        data = self.fh.read(size)
        if not data:
            self.eof = True
            self._feed(b"", final=True)
        else:
            self._feed(data, final=False)
        self.ctx.progress(self.bytes_read)
        return True

    def byte_offset(self, index: int) -> int:
        return self.base_bytes + len(self.text[:index].encode("utf-8"))

    def peek(self) -> str:
        """Skip whitespace; the next character, or ``""`` at the end of the file."""
        while True:
            self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.refill():
                return ""

    # -- values ----------------------------------------------------------------------------

    def value(self, where: str) -> object:
        """Parse the JSON value at the current position (after :meth:`peek`)."""
        while True:
            try:
                obj, end = self.decode(self.text, self.pos)
            except RecursionError:
                raise InputFileError(
                    f"JSON imbriqué trop profondément à l'octet {self.byte_offset(self.pos)} "
                    f"({where}) : des tableaux ou des objets les uns dans les autres sur des "
                    "centaines de niveaux, ce qu'aucun enregistrement DECP ne contient",
                    file=self.path,
                    hint="Le fichier est abîmé ou n'est pas un fichier DECP : téléchargez-le à "
                    "nouveau depuis sa source.",
                ) from None
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith(_CUT_MESSAGES) or bool(
                    _TOKEN_TAIL.match(self.text, exc.pos)
                )
                if cut and self.refill():
                    continue
                if cut:
                    raise self.truncated(f"dans {where}") from None
                raise self.invalid(exc.pos, where, exc.msg) from None
            # a number may continue in the next chunk: a value is always followed by something
            if (
                end >= len(self.text)
                or (type(obj) in _NUMBERS and _NUMBER_TAIL.match(self.text, end))
            ) and self.refill():
                continue
            self.pos = end
            return obj

    def truncated(self, phrase: str) -> InputFileError:
        return InputFileError(
            f"JSON tronqué : le fichier s'arrête {phrase} (octet {self.bytes_read})",
            file=self.path,
            hint=_TRUNCATED_HINT,
        )

    def invalid(self, index: int, where: str, detail: str) -> InputFileError:
        return InputFileError(
            f"JSON invalide à l'octet {self.byte_offset(index)} ({where}) : {detail}",
            file=self.path,
            hint="Le fichier est abîmé : téléchargez-le à nouveau ou signalez-le à son éditeur.",
        )

    def expect_after(self, where: str, closing: str) -> str:
        """The separator after a value in ``where``: ``","`` or ``closing``."""
        char = self.peek()
        if char == "," or char == closing:
            self.pos += 1
            return char
        if not char:
            raise self.truncated(f"après {where}")
        # "1." or "1e-" at the very end of the file: a number cut short
        while _TOKEN_TAIL.match(self.text, self.pos) and self.refill():
            pass
        if self.eof and _TOKEN_TAIL.match(self.text, self.pos):
            raise self.truncated(f"dans {where}")
        raise self.invalid(self.pos, where, f"Expecting ',' or '{closing}'")


class JsonRecords:
    """The records of the arrays found at ``targets`` (key path → ref prefix) in a JSON file.

    Iterating yields ``(ref, value)`` with ``ref`` like ``marches.marche[3]``. ``structure_hint``
    tells the user which layout was expected when the file does not have it.
    """

    def __init__(
        self,
        path: Path,
        ctx: ReadContext,
        targets: Mapping[KeyPath, str],
        *,
        structure_hint: str,
        chunk_size: int = CHUNK_SIZE,
        scan: bool = True,
        decode: Callable[[msgspec.Raw], object] | None = None,
    ) -> None:
        self.path = path
        self.ctx = ctx
        self.targets = dict(targets)
        self.branches = {key[:i] for key in targets for i in range(1, len(key))}
        self.structure_hint = structure_hint
        self.chunk_size = chunk_size
        self.scan = scan  # a share found by msgspec's scanner (False: the streaming reader)
        # how a share decodes its items (a typed decoder of the format); any msgspec.DecodeError
        # it lets out sends the share back to the streaming reader
        self.decode = decode or msgspec.json.Decoder().decode
        self.counters: dict[KeyPath, int] = {}
        self.seen_root_keys: set[str] = set()
        self.items = 0  # items of every record array so far
        self.resume = 0  # items before this position are not yielded (see _shared)

    def __iter__(self) -> Iterator[tuple[str, object]]:
        if self.ctx.share[1] == 1 or not self.scan:
            yield from self._stream(0)
            return
        with self.path.open("rb") as fh:
            try:
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):  # an empty file, or one that cannot be mapped
                yield from self._stream(0)
                return
        try:
            yield from self._shared(mapped)
        finally:
            with contextlib.suppress(BufferError):  # a value still refers to it: freed with it
                mapped.close()

    def _shared(self, mapped: mmap.mmap) -> Iterator[tuple[str, object]]:
        """The items of this share, found by msgspec's scanner (see the module's docstring)."""
        view = memoryview(mapped)
        items: list[tuple[KeyPath, msgspec.Raw]] = []
        try:
            start = len(_BOM) if view[: len(_BOM)] == _BOM else 0
            base = np.frombuffer(mapped, np.uint8).ctypes.data
            scanned = self._scan(view, view[start:], base, (), items)
        except msgspec.DecodeError:
            scanned = False
        share, shares = self.ctx.share
        if (
            not scanned
            or {key[0] for key in self.targets} - self.seen_root_keys
            or not _utf8_slice(mapped, share, shares)
        ):
            items.clear()
            view.release()
            yield from self._stream(0)
            return
        mapped.madvise(mmap.MADV_DONTNEED)  # scanned: the pages go back to the file cache
        decode = self.decode
        counters: dict[KeyPath, int] = {}
        resume = 0  # where the streaming reader takes over if an item cannot be decoded here
        try:
            for position, (path, raw) in enumerate(items):
                index = counters.get(path, 0)
                counters[path] = index + 1
                if (position // SHARE_BLOCK) % shares != share:
                    continue
                if position % SHARE_BLOCK == 0:
                    mapped.madvise(mmap.MADV_DONTNEED)
                    self.ctx.progress(np.frombuffer(raw, np.uint8).ctypes.data - base)
                resume = position
                value = decode(raw)
                self.ctx.position = position
                yield f"{self.targets[path]}[{index}]", value
        except msgspec.DecodeError:
            items.clear()
            view.release()
            yield from self._stream(resume)
            return
        items.clear()
        view.release()
        self.ctx.progress(len(mapped))

    def _scan(
        self,
        view: memoryview,
        raw: memoryview | msgspec.Raw,
        base: int,
        path: KeyPath,
        items: list[tuple[KeyPath, msgspec.Raw]],
    ) -> bool:
        """Append the items under the object ``raw``; False when it is not the layout expected
        or a key is given twice (the streaming reader then says what is wrong, or reads it)."""
        members = msgspec.json.decode(raw, type=dict[str, msgspec.Raw])
        if not _covers(view, raw, base, members.values()):
            return False
        for key, value in members.items():
            child = (*path, key)
            if not path:
                self.seen_root_keys.add(key)
            first = memoryview(value)[:1].tobytes()
            if child in self.targets:
                if first == b"[":
                    items.extend((child, item) for item in _ITEMS.decode(value))
                elif first != b"n":
                    return False
            elif child in self.branches:
                if first == b"{":
                    if not self._scan(view, value, base, child, items):
                        return False
                elif first != b"n":
                    return False
        return True

    def _stream(self, resume: int) -> Iterator[tuple[str, object]]:
        """The streaming reader; items before position ``resume`` are not yielded."""
        self.counters.clear()
        self.seen_root_keys.clear()
        self.items = 0
        self.resume = resume
        with self.path.open("rb") as fh:
            text = _Text(fh, self.path, self.ctx, self.chunk_size)
            first = text.peek()
            if not first:
                raise InputFileError("fichier vide", file=self.path, hint=EMPTY_HINT)
            if first != "{":
                raise self._not_an_object(text, first)
            yield from self._object(text, ())
            if text.peek():
                raise text.invalid(text.pos, "après la fin du JSON", "Extra data")
        missing = {key[0] for key in self.targets} - self.seen_root_keys
        if missing:
            raise self.structure_error(f"pas de clé « {sorted(missing)[0]} » au premier niveau")
        self.ctx.progress(text.bytes_read)

    def structure_error(self, what: str) -> InputFileError:
        return InputFileError(
            f"structure JSON inattendue : {what}", file=self.path, hint=self.structure_hint
        )

    def _not_an_object(self, text: _Text, first: str) -> InputFileError:
        while len(text.text) - text.pos < 512 and text.refill():
            pass
        if first == "<":
            head = text.text[text.pos : text.pos + 512].lower()
            kind = "HTML" if "<html" in head or "<!doctype html" in head else "XML"
            hint = (
                "Le téléchargement a sans doute renvoyé une page web : vérifiez l'adresse."
                if kind == "HTML"
                else "Lisez un fichier XML avec le format decp-2024-xml."
            )
            message = f"ressemble à du {kind}, pas à du JSON"
            return InputFileError(message, file=self.path, hint=hint)
        if first == "[":
            return self.structure_error("le premier niveau est un tableau, un objet était attendu")
        if first in '"tfn-0123456789':
            what = f"le premier niveau est {_type_name(first)}, un objet était attendu"
            return self.structure_error(what)
        shown = text.text[text.pos : text.pos + 20].split("\n")[0]
        return InputFileError(
            f"pas du JSON : le fichier commence par {shown!r}",
            file=self.path,
            hint="Vérifiez que c'est un fichier DECP au format JSON.",
        )

    def _object(self, text: _Text, path: KeyPath) -> Iterator[tuple[str, object]]:
        """Walk the object at the current position (its ``{`` not consumed yet)."""
        where = f"l'objet {'.'.join(path)}" if path else "l'objet racine"
        text.pos += 1
        if text.peek() == "}":
            text.pos += 1
            return
        while True:
            char = text.peek()
            if char != '"':
                if not char:
                    raise text.truncated(f"dans {where}")
                raise text.invalid(text.pos, where, "Expecting property name")
            key = text.value(where)
            assert isinstance(key, str)
            char = text.peek()
            if char != ":":
                if not char:
                    raise text.truncated(f"dans {where}")
                raise text.invalid(text.pos, where, "Expecting ':' delimiter")
            text.pos += 1
            child = (*path, key)
            if not path:
                self.seen_root_keys.add(key)
            char = text.peek()
            if not char:
                raise text.truncated(f"dans {where}")
            if child in self.targets:
                yield from self._array(text, child, char)
            elif child in self.branches:
                if char == "{":
                    yield from self._object(text, child)
                elif char == "n":
                    text.value(where)
                else:
                    what = f"« {'.'.join(child)} » est {_type_name(char)}, un objet était attendu"
                    raise self.structure_error(what)
            else:
                text.value(f"la valeur de « {'.'.join(child)} »")
            if text.expect_after(f"la valeur de « {'.'.join(child)} »", "}") == "}":
                return

    def _array(self, text: _Text, path: KeyPath, char: str) -> Iterator[tuple[str, object]]:
        prefix = self.targets[path]
        if char == "n":  # "marche": null, read as no records
            text.value(prefix)
            return
        if char != "[":
            what = f"« {'.'.join(path)} » est {_type_name(char)}, un tableau était attendu"
            raise self.structure_error(what)
        text.pos += 1
        if text.peek() == "]":
            text.pos += 1
            return
        index = self.counters.get(path, 0)
        ctx = self.ctx
        share, shares = ctx.share
        try:
            while True:
                ref = f"{prefix}[{index}]"
                if not text.peek():
                    raise text.truncated(f"avant l'enregistrement {ref}")
                where = f"l'enregistrement {ref}"
                value = text.value(where)
                if (shares == 1 or (self.items // SHARE_BLOCK) % shares == share) and (
                    self.items >= self.resume
                ):
                    ctx.position = self.items
                    yield ref, value
                index += 1
                self.items += 1
                if text.expect_after(where, "]") == "]":
                    return
        finally:
            self.counters[path] = index


_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])


def _covers(
    view: memoryview, obj: memoryview | msgspec.Raw, base: int, values: Iterable[msgspec.Raw]
) -> bool:
    """True when the members' values and what lies between them make the whole object: no
    member was dropped (a key given twice keeps only its last value in a decoded dict)."""
    start = np.frombuffer(obj, np.uint8).ctypes.data - base
    end = start + len(memoryview(obj))
    spans = sorted(
        (np.frombuffer(v, np.uint8).ctypes.data - base, len(memoryview(v))) for v in values
    )
    if not spans:
        return _EMPTY_OBJECT.fullmatch(view[start:end].tobytes()) is not None
    at = start
    for i, (offset, size) in enumerate(spans):
        gap = _FIRST_GAP if i == 0 else _GAP
        if offset < at or gap.fullmatch(view[at:offset].tobytes()) is None:
            return False
        at = offset + size
    return _LAST_GAP.fullmatch(view[at:end].tobytes()) is not None


def _char_start(mapped: mmap.mmap, at: int) -> int:
    """``at``, moved past the UTF-8 continuation bytes found there (3 at most)."""
    end = min(at + 3, len(mapped))
    while at < end and 0x80 <= mapped[at] < 0xC0:
        at += 1
    return at


def _utf8_slice(mapped: mmap.mmap, share: int, shares: int) -> bool:
    """Whether slice ``share`` of ``shares`` of the file's bytes is valid UTF-8.

    msgspec checks the UTF-8 of the strings it decodes only, and a share decodes its own items
    only: each share checks one slice of the bytes, so that an invalid byte anywhere is found by
    one share, which then reads the file with the streaming reader and says where it is (the
    file is not loaded when one of its shares fails).
    """
    size = len(mapped)
    start = _char_start(mapped, size * share // shares)
    end = _char_start(mapped, size * (share + 1) // shares)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for at in range(start, end, CHUNK_SIZE):
            decoder.decode(mapped[at : min(at + CHUNK_SIZE, end)])
        decoder.decode(b"", True)
    except UnicodeDecodeError:
        return False
    return True
