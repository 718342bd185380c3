"""Reference nomenclatures: CPV 2008, NAF rév. 2, purchase segments, NAF ↔ CPV correspondence."""
