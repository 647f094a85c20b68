"""Benchmark of the clinical core, with baselines measured in the same run.

1. In-process: parse and assess every valid shared vignette with knowledge loaded once;
   median per assessment, against a JSON round-trip of the same case as the baseline.
2. Whole process: `cutis assess FILE` against a bare `python -c pass`, median of repeated runs.
Targets (issue 2): median assessment under 2 ms; whole process under 3x a bare interpreter.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cutis import assess, load_knowledge, parse_case

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CUTIS_SHARED", ROOT.parent / "shared"))
AS_OF = datetime.date(2025, 7, 26)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
PROCESS_RUNS = int(os.environ.get("BENCH_PROCESS_RUNS", "40"))


def valid_cases() -> list[dict[str, object]]:
    cases = []
    for path in sorted((SHARED / "vignettes").glob("*.json")):
        vignette = json.loads(path.read_text(encoding="utf-8"))
        if "exit_status" not in vignette["expect"]:
            cases.append(vignette["case"])
    return cases


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def in_process() -> tuple[float, float]:
    knowledge = load_knowledge()
    cases = valid_cases()
    assessed: list[float] = []
    baseline: list[float] = []
    for _ in range(ROUNDS):
        for document in cases:
            start = time.perf_counter()
            json.loads(json.dumps(document))
            baseline.append(time.perf_counter() - start)
            start = time.perf_counter()
            assess(parse_case(document, knowledge), knowledge, AS_OF)
            assessed.append(time.perf_counter() - start)
    return median_ms(assessed), median_ms(baseline)


def process_times(command: list[str]) -> list[float]:
    samples = []
    for _ in range(PROCESS_RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return samples


def whole_process() -> tuple[float, float]:
    cutis = str(Path(sys.executable).parent / "cutis")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(valid_cases()[0], handle)
    try:
        subprocess.run([cutis, "assess", handle.name], check=True, stdout=subprocess.DEVNULL)
        bare: list[float] = []
        full: list[float] = []
        for _ in range(2):  # interleave so drift hits both alike
            bare += process_times([sys.executable, "-c", "pass"])
            full += process_times([cutis, "assess", handle.name])
    finally:
        Path(handle.name).unlink()
    return median_ms(full), median_ms(bare)


def main() -> None:
    assessed, baseline = in_process()
    print(
        f"in-process assessment: median {assessed:.3f} ms over {ROUNDS} rounds "
        f"(target < 2 ms); JSON round-trip baseline {baseline:.3f} ms; "
        f"ratio {assessed / baseline:.1f}x"
    )
    full, bare = whole_process()
    print(
        f"whole process `cutis assess`: median {full:.1f} ms; bare `python -c pass` "
        f"{bare:.1f} ms; ratio {full / bare:.2f}x (target < 3x)"
    )


if __name__ == "__main__":
    main()
