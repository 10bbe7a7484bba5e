package org.vitssl.evaluate.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.Identifiable;

import java.io.Serializable;
import java.util.Set;

/**
 * The Params shared by {@link KnnClassifier} and {@link KnnClassificationModel}, created for one owner
 * (MLlib requires each Param's parent to be the owner's uid) with their defaults and validators.
 */
final class KnnParams implements Serializable {
    private static final long serialVersionUID = 1L;
    final Param<String> featuresCol, labelCol, idCol, predictionCol, rawPredictionCol, probabilityCol, device;
    final IntParam k, queryBlockRows, shardRows, bankPartitions;
    final DoubleParam temperature;

    KnnParams(Identifiable owner) {
        featuresCol = new Param<>(owner, "featuresCol", "features column: array<float>, array<double> or vector");
        labelCol = new Param<>(owner, "labelCol", "label column of the bank (integer class index >= 0)");
        idCol = new Param<>(owner, "idCol",
                "bank row id column, the tie-break after similarity (string order); \"\" = row order of the bank");
        predictionCol = new Param<>(owner, "predictionCol", "output: predicted class (double); \"\" = not written");
        rawPredictionCol = new Param<>(owner, "rawPredictionCol",
                "output: class scores sum of exp(s/T) over the k neighbours (vector); \"\" = not written");
        probabilityCol = new Param<>(owner, "probabilityCol",
                "output: class scores divided by their sum (vector); \"\" = not written");
        device = new Param<>(owner, "device", "where the matrix multiplies run: auto, cpu or gpu",
                ParamValidators.inArray(new String[] {"auto", "cpu", "gpu"}));
        k = new IntParam(owner, "k", "number of neighbours voting (>= 1)", ParamValidators.gtEq(1));
        queryBlockRows = new IntParam(owner, "queryBlockRows", "queries multiplied at once (>= 1)", ParamValidators.gtEq(1));
        shardRows = new IntParam(owner, "shardRows", "bank rows a task holds at once (>= 1)", ParamValidators.gtEq(1));
        bankPartitions = new IntParam(owner, "bankPartitions", "bank partitions; 0 = as given (>= 0)", ParamValidators.gtEq(0));
        temperature = new DoubleParam(owner, "temperature", "vote temperature T in exp(s/T) (> 0)", ParamValidators.gt(0));
    }

    /** Sets the defaults (DINO's T = 0.07, k = 20) on {@code p}, which owns these Params. */
    void setDefaults(DefaultSetter p) {
        p.def(featuresCol, "features");
        p.def(labelCol, "label");
        p.def(idCol, "image_id");
        p.def(predictionCol, "prediction");
        p.def(rawPredictionCol, "rawPrediction");
        p.def(probabilityCol, "probability");
        p.def(device, "auto");
        p.def(k, 20);
        p.def(queryBlockRows, 1024);
        p.def(shardRows, 32768);
        p.def(bankPartitions, 0);
        p.def(temperature, 0.07);
    }

    /** Bridges to the protected {@code setDefault} of the owner. */
    interface DefaultSetter {
        <T> void def(Param<T> p, T value);
    }

    static final Set<String> OUTPUTS = Set.of("predictionCol", "rawPredictionCol", "probabilityCol");

    static Object get(Params owner, Param<?> p) {
        return owner.getOrDefault(p);
    }
}
