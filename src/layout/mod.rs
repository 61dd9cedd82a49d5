//! Layout (to be completed): the model → positioned pages, for the PDF writer.
