"""Digital inclusion: the skills framework and assessments; later partners and referrals. No Qt."""
