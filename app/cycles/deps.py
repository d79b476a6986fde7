"""Load-or-404 dependencies of the cycle pages: the cycle or agreement the path names, of the scope's municipality."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.deps import owned
from app.models.cycles import Agreement, Cycle, SituationDocument

OwnedCycle = Annotated[Cycle, Depends(owned(Cycle, "cycle_id"))]
OwnedAgreement = Annotated[Agreement, Depends(owned(Agreement, "agreement_id"))]
OwnedDocument = Annotated[SituationDocument, Depends(owned(SituationDocument, "document_id"))]
