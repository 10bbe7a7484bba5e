package org.vitssl.augment;

/** Decoded training input (one row of the ingest images table): id, label and the encoded image bytes. */
public record ImageRecord(String imageId, int label, byte[] bytes) {}
