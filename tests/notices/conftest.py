"""Fixtures for the notice readers: the real samples and the eForms SDK table, read in place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from ancrage.notices import boamp_json, boamp_xml, ted
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.ingest import detect, expand, load_notices
from ancrage.notices.model import Notice
from ancrage.settings import Settings

ReadAll = Callable[[ModuleType, Path], list[Notice]]


@pytest.fixture(scope="session")
def notices_dir(shared_data: Path) -> Path:
    return shared_data / "notices"


@pytest.fixture(scope="session")
def eforms_dir(shared_data: Path) -> Path:
    return shared_data / "nomenclatures" / "eforms"


@pytest.fixture(scope="module")
def samples(notices_dir: Path, eforms_dir: Path) -> list[Notice]:
    """Every sample notice, in load order (changes come before and after their notices)."""
    out: list[Notice] = []
    for path in expand([notices_dir]):
        try:
            reader = detect(path)
        except Exception:  # pragma: no cover - every sample is readable
            continue
        out += reader.read(path, NoticeReadContext(path=path, eforms_dir=eforms_dir))
    return out


@pytest.fixture(scope="session")
def read_all(eforms_dir: Path) -> ReadAll:
    def read(module: ModuleType, path: Path) -> list[Notice]:
        ctx = NoticeReadContext(path=path, eforms_dir=eforms_dir)
        notices = list(module.read(path, ctx))
        assert ctx.rejections == [], ctx.rejections
        return notices

    return read


@pytest.fixture(scope="session")
def ted_notice(notices_dir: Path, read_all: ReadAll) -> Callable[[str], Notice]:
    def get(relative: str) -> Notice:
        (notice,) = read_all(ted, notices_dir / "ted_eforms" / relative)
        return notice

    return get


@pytest.fixture(scope="session")
def boamp_xml_notice(notices_dir: Path, read_all: ReadAll) -> Callable[[str], Notice]:
    def get(name: str) -> Notice:
        (notice,) = read_all(boamp_xml, notices_dir / "boamp" / "dila_xml_v230" / name)
        return notice

    return get


@pytest.fixture(scope="session")
def ods_notices(notices_dir: Path, read_all: ReadAll) -> dict[str, Notice]:
    path = notices_dir / "boamp" / "ods_api_v2_1" / "boamp-where-date_2026-01-21_fnsimple.json"
    return {n.source_id: n for n in read_all(boamp_json, path)}


@pytest.fixture(scope="session")
def samples_home(tmp_path_factory: pytest.TempPathFactory, notices_dir: Path) -> Settings:
    """A home with every sample loaded as a user does: no option (the shipped eForms table).
    Read-only for the tests that share it."""
    settings = Settings.resolve(tmp_path_factory.mktemp("samples-home"))
    reports = load_notices(settings, [notices_dir])
    assert not [r for r in reports if r.error], [r.as_json() for r in reports if r.error]
    return settings
