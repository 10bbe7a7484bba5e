package org.vitssl.evaluate.knn;

/**
 * The canonical arithmetic of the weighted k-NN. Results are defined by these functions; the matrix
 * multiply only selects candidates (see {@link KnnSearch}).
 *
 * <ul>
 *   <li>L2 normalisation: {@code x / max(||x||, 1e-12)} with the norm in double, rounded to float
 *       (a zero vector stays zero, as torch's {@code F.normalize}).</li>
 *   <li>Similarity: {@code s = sum_j (double) q_j * (double) f_j} over the normalised float vectors,
 *       summed in double in a fixed order ({@link #dot}): the same value on any machine and any
 *       partitioning (within 1e-15 of the exact cosine of the float vectors).</li>
 *   <li>Vote: weight {@code exp(s / T)}; class score = sum of the weights of the neighbours of that class.</li>
 * </ul>
 */
public final class KnnMath {
    /** Floor of the norm, as torch.nn.functional.normalize's eps. */
    public static final double NORM_EPS = 1e-12;

    private KnnMath() {}

    /** A normalised copy of {@code x}. */
    public static float[] normalized(float[] x) {
        float[] y = new float[x.length];
        normalizeInto(x, 0, y, 0, x.length);
        return y;
    }

    /** Writes the normalised {@code src[from..from+d)} into {@code dst[at..at+d)}. */
    public static void normalizeInto(float[] src, int from, float[] dst, int at, int d) {
        double ss = 0;
        for (int j = 0; j < d; j++) {
            double v = src[from + j];
            ss += v * v;
        }
        double inv = 1.0 / Math.max(Math.sqrt(ss), NORM_EPS);
        for (int j = 0; j < d; j++) dst[at + j] = (float) (src[from + j] * inv);
    }

    /**
     * The canonical similarity of two normalised rows stored in flat arrays: the products
     * (double) a_j * (double) b_j (exact in double) are summed in eight interleaved double accumulators
     * (j mod 8), combined as ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)). A fixed order, so the
     * same bits on every machine; eight independent chains make it several times faster than one
     * running sum, which matters because every candidate neighbour is rescored with it.
     */
    public static double dot(float[] a, int aFrom, float[] b, int bFrom, int d) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int j = 0;
        for (; j + 7 < d; j += 8) {
            int x = aFrom + j, y = bFrom + j;
            s0 += (double) a[x] * (double) b[y];
            s1 += (double) a[x + 1] * (double) b[y + 1];
            s2 += (double) a[x + 2] * (double) b[y + 2];
            s3 += (double) a[x + 3] * (double) b[y + 3];
            s4 += (double) a[x + 4] * (double) b[y + 4];
            s5 += (double) a[x + 5] * (double) b[y + 5];
            s6 += (double) a[x + 6] * (double) b[y + 6];
            s7 += (double) a[x + 7] * (double) b[y + 7];
        }
        for (; j < d; j++) s0 += (double) a[aFrom + j] * (double) b[bFrom + j];
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * A bound on |fl32(q.f) - q.f| for the float32 matrix multiply of unit vectors of dimension d, in
     * any summation order: gamma_d * sum|q_j f_j| <= d * 2^-24 / (1 - d * 2^-24) (Cauchy-Schwarz gives
     * sum|q_j f_j| <= ||q|| ||f|| <= 1 + d * 2^-24 for vectors normalised in float); doubled for slack.
     */
    public static double gemmErrorBound(int d) {
        double u = Math.scalb(1.0, -24);
        double gamma = d * u / (1 - d * u);
        return 2.0 * gamma * (1 + d * u) + 1e-7;
    }

    /**
     * Class scores of the first {@code k} neighbours ({@code sims}, {@code labels} from offset
     * {@code from}), ranked: returns the voted classes sorted by score desc then label asc, with their
     * scores in {@code scoresOut} (same order). Returns the number of voted classes.
     */
    public static int rankClasses(double[] sims, int[] labels, int from, int k, double temperature,
                                  int[] classesOut, double[] scoresOut) {
        int n = 0;
        for (int i = 0; i < k; i++) {
            int c = labels[from + i];
            double w = Math.exp(sims[from + i] / temperature);
            int at = -1;
            for (int j = 0; j < n; j++) if (classesOut[j] == c) { at = j; break; }
            if (at < 0) { classesOut[n] = c; scoresOut[n] = w; n++; } else scoresOut[at] += w;
        }
        // insertion sort: n <= k (small)
        for (int i = 1; i < n; i++) {
            int c = classesOut[i];
            double s = scoresOut[i];
            int j = i - 1;
            while (j >= 0 && (scoresOut[j] < s || (scoresOut[j] == s && classesOut[j] > c))) {
                classesOut[j + 1] = classesOut[j];
                scoresOut[j + 1] = scoresOut[j];
                j--;
            }
            classesOut[j + 1] = c;
            scoresOut[j + 1] = s;
        }
        return n;
    }

    /** Whether {@code label} is among the first min(5, k) ranked classes. */
    public static boolean inTop5(int[] rankedClasses, int nVoted, int k, int label) {
        int m = Math.min(Math.min(5, k), nVoted);
        for (int i = 0; i < m; i++) if (rankedClasses[i] == label) return true;
        return false;
    }
}
