"""``scheduler fhir ...``: regimens to and from FHIR PlanDefinitions. A patient's plan as a FHIR
Bundle is a format of ``scheduler plan`` (``--format fhir`` or ``fhir-r4b``), so it takes every
plan option and agrees with every other view of the plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import PlanError
from ..words import plural
from . import app
from .common import RegimenArg, output_target, write
from .help import Group

fhir_app = typer.Typer(
    help="FHIR hand-off: a regimen as a PlanDefinition and back. A patient's plan as a FHIR "
    "Bundle: scheduler plan ... --format fhir.",
    no_args_is_help=True,
    cls=Group,
)
app.add_typer(fhir_app, name="fhir")

Version = Annotated[
    str, typer.Option("--version", metavar="r5|r4b", help="FHIR version: r5 (default) or r4b.")
]


def _version(text: str) -> str:
    cleaned = text.strip().lower()
    if cleaned not in ("r5", "r4b"):
        raise PlanError(f"--version must be r5 or r4b, got {text!r}")
    return cleaned


@fhir_app.command("export-regimen")
def export_regimen_command(
    regimen: RegimenArg,
    version: Version = "r5",
    output: Annotated[
        str | None,
        typer.Option(
            "-o", "--output", metavar="FILE", help="Output file (default: standard output)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
) -> None:
    """Write a regimen as a FHIR PlanDefinition (JSON), validated with fhir.resources.

    Example: scheduler fhir export-regimen aldesleukin-sc --version r5 -o aldesleukin.json
    """
    from ..fhir.mapping import validate
    from ..fhir.regimen import regimen_to_plandefinition
    from ..regimen.catalog import resolve

    chosen = _version(version)
    resource = regimen_to_plandefinition(resolve(regimen), version=chosen)
    validate(resource, chosen)
    data = (json.dumps(resource, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    write(output_target(output, "-"), data, force=force)


@fhir_app.command("import-regimen")
def import_regimen_command(
    source: Annotated[Path, typer.Argument(metavar="FILE.json", help="A FHIR PlanDefinition.")],
    output: Annotated[
        str, typer.Option("-o", "--output", metavar="FILE", help="The regimen .toml to write.")
    ],
    force: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
) -> None:
    """Turn a FHIR PlanDefinition (cycle actions with timing-daysOfCycle) into a regimen file.

    The result is validated as any regimen file is; an element this tool cannot represent is
    refused by its path, never dropped. Example: scheduler fhir import-regimen kdn5.json -o kdn5.toml
    """
    from ..fhir.regimen import read_plandefinition_file
    from ..regimen.loader import parse_regimen

    toml = read_plandefinition_file(source)
    regimen = parse_regimen(toml, origin=output)
    write(output, toml.encode("utf-8"), force=force)
    phases, drugs = len(regimen.phases), len(regimen.drugs)
    typer.echo(
        f"Wrote {output}: {regimen.id}, {plural(phases, 'phase')}, {plural(drugs, 'drug')}; "
        f"check it with: scheduler show {output}"
    )
