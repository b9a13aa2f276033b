"""The regional policy: every setting the region may tune, with the seed's defaults and rule ids."""
