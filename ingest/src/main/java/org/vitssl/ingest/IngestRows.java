package org.vitssl.ingest;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rows the readers produce: one per file or record seen, good ones with {@code reason} null,
 * quarantined ones with a reason; the job splits them into the images table and the _errors table.
 */
public final class IngestRows {
    public static final String IMAGE_ID = "image_id", LABEL = "label", CLASS_NAME = "class_name", WIDTH = "width",
            HEIGHT = "height", FORMAT = "format", BYTES = "bytes", PATH = "path", REASON = "reason", DETAIL = "detail";

    /** Columns of the images table, in order. */
    public static final String[] IMAGE_COLUMNS = {IMAGE_ID, LABEL, CLASS_NAME, WIDTH, HEIGHT, FORMAT, BYTES};
    /** Columns of the _errors table, in order. */
    public static final String[] ERROR_COLUMNS = {PATH, IMAGE_ID, REASON, DETAIL};

    public static final StructType SCHEMA = new StructType()
            .add(IMAGE_ID, DataTypes.StringType, false)
            .add(LABEL, DataTypes.IntegerType, false)
            .add(CLASS_NAME, DataTypes.StringType, true)
            .add(WIDTH, DataTypes.IntegerType, true)
            .add(HEIGHT, DataTypes.IntegerType, true)
            .add(FORMAT, DataTypes.StringType, true)
            .add(BYTES, DataTypes.BinaryType, true)
            .add(PATH, DataTypes.StringType, false)
            .add(REASON, DataTypes.StringType, true)
            .add(DETAIL, DataTypes.StringType, true);

    private IngestRows() {}

    public static Row good(String imageId, int label, String className, int width, int height, String format,
                           byte[] bytes, String path) {
        return RowFactory.create(imageId, label, className, width, height, format, bytes, path, null, null);
    }

    public static Row bad(String imageId, int label, String className, String path, String reason, String detail) {
        return RowFactory.create(imageId, label, className, null, null, null, null, path, reason, detail);
    }
}
