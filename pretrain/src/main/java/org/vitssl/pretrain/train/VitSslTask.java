package org.vitssl.pretrain.train;

import org.vitssl.pretrain.model.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import com.typesafe.config.Config;
import org.vitssl.augment.MultiCropBatch;
import org.vitssl.pretrain.loss.DinoLoss;
import org.vitssl.pretrain.loss.IbotLoss;
import org.vitssl.pretrain.loss.LossConfigs;
import org.vitssl.pretrain.loss.ReppasContrastiveLoss;
import org.vitssl.common.config.ConfigChecks;
import org.vitssl.pretrain.mask.MaskConfigs;
import org.vitssl.pretrain.mask.MaskInput;
import org.vitssl.pretrain.mask.MaskStrategy;
import org.vitssl.pretrain.mask.PatchMasks;
import org.vitssl.pretrain.mask.ReppasMaskGenerator;
import org.vitssl.pretrain.model.DinoHead;
import org.vitssl.pretrain.model.IbotHead;
import org.vitssl.pretrain.model.NamedBlock;
import org.vitssl.pretrain.model.ViTConfig;
import org.vitssl.pretrain.model.ViTOutput;
import org.vitssl.pretrain.model.VisionTransformer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.stream.LongStream;

/**
 * DINO and the iBOT family (iBOT with block / random masks, AttMask high / low / hint, Reppas attention masks)
 * on a ViT, as main_dino.py / main_ibot.py / main_attmask.py run a step:
 * <ul>
 *   <li>teacher (no drop path, no mask token, no gradient) on the global crops, unmasked; for attention-driven
 *       masks it also returns the attention of the layers the mask strategy reads;</li>
 *   <li>masks of the global crops from {@code vitssl.mask} with the step's random stream;</li>
 *   <li>student (drop path) on the global crops, masked for the iBOT family, and on the local crops unmasked
 *       (CLS only); views are grouped by resolution (one forward per resolution);</li>
 *   <li>DINO loss on the CLS outputs (dino) or iBOT loss on CLS + masked patch tokens (the others); the loss
 *       updates its centres after use; for reppas with {@code vitssl.loss.reppas-contrastive.enabled} also the
 *       contrastive term L3 (anchors from the masking scores), logged as {@code l3}.</li>
 * </ul>
 * With {@code vitssl.pretrain.student-patch-head = masked-only} (default) the token-wise iBOT heads compute patch
 * logits only where the loss reads them: the student's head runs on the CLS tokens and the masked patch tokens
 * (plus the L3 anchors for the student source), the teacher's MLP on all tokens but its last layer only on the
 * read rows and on the sum of all bottleneck rows (the c2 statistic). Loss and gradients equal the {@code all}
 * computation up to rounding.
 * Parameters are named {@code backbone.<timm name>} and {@code head.<name>}; the teacher starts as an exact copy
 * of the student (over the names both have; the student's masked_embed is its own).
 */
public final class VitSslTask implements TrainingTask<MultiCropBatch> {
    private final String method;
    private final NDManager manager;
    private final VisionTransformer studentVit;
    private final VisionTransformer teacherVit;
    private final NamedBlock studentHead;
    private final NamedBlock teacherHead;
    private final LinkedHashMap<String, Parameter> student = new LinkedHashMap<>();
    private final LinkedHashMap<String, Parameter> teacher = new LinkedHashMap<>();
    private final DinoLoss dinoLoss;
    private final IbotLoss ibotLoss;
    private final MaskStrategy masks;
    private final int outDim;
    private final int[] attentionLayers;
    private final ReppasContrastiveLoss contrastive;
    private boolean studentPatchHeadMaskedOnly;

    /** Config key: where the student's iBOT head runs on patch tokens (masked-only | all). */
    public static final String STUDENT_PATCH_HEAD = TrainerSettings.SECTION + ".student-patch-head";

    public VitSslTask(Config c, NDManager base, long seed) {
        this.method = PretrainChecks.method(c);
        this.manager = base.newSubManager();
        ViTConfig vit = ViTConfig.fromConfig(c);
        boolean ibotFamily = !method.equals("dino");
        JniUtils.setSeed(seed);
        studentVit = VisionTransformer.create(vit, manager);
        teacherVit = VisionTransformer.create(vit.withDropPathRate(0.0).withMaskToken(false), manager);
        if (ibotFamily) {
            Config hc = c.getConfig("vitssl.model.ibot-head");
            studentHead = IbotHead.fromConfig(vit.dim(), hc);
            teacherHead = IbotHead.fromConfig(vit.dim(), hc);
            outDim = hc.getInt("out-dim");
            ibotLoss = LossConfigs.ibot(c, outDim, hc.getInt("patch-out-dim"));
            dinoLoss = null;
            masks = MaskConfigs.fromConfig(c);
        } else {
            Config hc = c.getConfig("vitssl.model.dino-head");
            studentHead = DinoHead.fromConfig(vit.dim(), hc);
            teacherHead = DinoHead.fromConfig(vit.dim(), hc);
            outDim = hc.getInt("out-dim");
            dinoLoss = LossConfigs.dino(c, outDim);
            ibotLoss = null;
            masks = null;
        }
        String patchHead = ConfigChecks.oneOf(c, STUDENT_PATCH_HEAD, Set.of("masked-only", "all"));
        studentPatchHeadMaskedOnly = patchHead.equals("masked-only");
        if (LossConfigs.reppasContrastiveEnabled(c)) {
            if (!method.equals("reppas")) {
                throw ConfigChecks.bad(LossConfigs.ROOT + ".reppas-contrastive.enabled", true,
                        "the contrastive term needs the Reppas attention scores: only for " + TrainerSettings.SECTION + ".method = reppas");
            }
            contrastive = LossConfigs.reppasContrastive(c);
        } else {
            contrastive = null;
        }
        studentHead.initialize(manager);
        teacherHead.initialize(manager);
        put(student, "backbone.", studentVit.namedParameters());
        put(student, "head.", studentHead.namedParameters());
        put(teacher, "backbone.", teacherVit.namedParameters());
        put(teacher, "head.", teacherHead.namedParameters());
        copyIntoTeacher(teacher, student);
        if (masks != null && masks.needsAttention()) {
            SortedSet<Integer> l = masks.attentionLayers(vit.depth());
            attentionLayers = l.stream().mapToInt(Integer::intValue).toArray();
        } else {
            attentionLayers = new int[0];
        }
    }

    static void put(Map<String, Parameter> into, String prefix, Map<String, Parameter> from) {
        for (Map.Entry<String, Parameter> e : from.entrySet()) into.put(prefix + e.getKey(), e.getValue());
    }

    /** The teacher starts as an exact copy of the student over its names; it takes no gradient. */
    static void copyIntoTeacher(Map<String, Parameter> teacher, Map<String, Parameter> student) {
        for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
            Parameter s = student.get(e.getKey());
            NDArray t = e.getValue().getArray();
            if (s == null) throw new IllegalStateException("teacher parameter " + e.getKey() + " has no student counterpart");
            t.setRequiresGradient(false);
            t.set(s.getArray().toByteBuffer());
        }
    }

    @Override public LinkedHashMap<String, Parameter> student() { return student; }

    @Override public LinkedHashMap<String, Parameter> teacher() { return teacher; }

    @Override public int outputDim() { return outDim; }

    @Override
    public Map<String, float[]> centres() {
        Map<String, float[]> m = new LinkedHashMap<>();
        if (dinoLoss != null) m.put("dino.center", dinoLoss.center());
        if (ibotLoss != null) {
            m.put("ibot.center", ibotLoss.center());
            m.put("ibot.center2", ibotLoss.center2());
        }
        return m;
    }

    @Override
    public void setCentres(Map<String, float[]> c) {
        for (String k : centres().keySet()) {
            if (!c.containsKey(k)) throw new IllegalArgumentException("the checkpoint has no loss centre " + k + " (another method?)");
        }
        if (dinoLoss != null) dinoLoss.setCenter(c.get("dino.center"));
        if (ibotLoss != null) {
            ibotLoss.setCenter(c.get("ibot.center"));
            ibotLoss.setCenter2(c.get("ibot.center2"));
        }
    }

    @Override
    public StepOutput forward(NDManager m, MultiCropBatch batch, StepContext ctx) {
        int b = batch.batchSize();
        int g = batch.globalCount();
        int p = studentVit.config().patch();
        int grid = batch.globalSize() / p;
        NDArray globals = batch.globalsArray(m);
        NDArray locals = batch.localCount() > 0 ? batch.localsArray(m) : null;

        ViTOutput to = teacherVit.forward(null, globals, null, false, attentionLayers, 0);
        NDArray maskArr = null;
        boolean[][] mk = null;
        float[][] scores = null;
        if (masks != null) {
            Map<Integer, NDArray> attn = new HashMap<>(to.attentions());
            MaskInput in = new MaskInput(g * b, grid, grid, ctx.epoch(), studentVit.depth(), attn);
            if (contrastive != null) {
                scores = masks.scores(in);
                if (scores == null) throw new IllegalStateException("the contrastive term needs a mask strategy with scores (reppas)");
            }
            mk = scores != null && masks instanceof ReppasMaskGenerator rg ? rg.generate(scores, ctx.rng()) : masks.generate(in, ctx.rng());
            maskArr = PatchMasks.toArray(m, mk, grid, grid);
        }
        mark(0);
        ViTOutput so = studentVit.forward(null, globals, maskArr, true, new int[0], 0);
        NDArray localCls = locals == null ? null : studentVit.forward(null, locals, null, true, new int[0], 0).cls();
        mark(1);

        Map<String, NDArray> terms = new LinkedHashMap<>();
        NDArray loss;
        NDArray tLogits;
        float[] centre;
        if (dinoLoss != null) {
            DinoHead sh = (DinoHead) studentHead;
            DinoHead th = (DinoHead) teacherHead;
            tLogits = th.forward(null, to.cls(), false);
            NDArray sAll = sh.forward(null, localCls == null ? so.cls() : NDArrays.concat(new NDList(so.cls(), localCls)), true);
            centre = dinoLoss.center();
            loss = dinoLoss.forward(sAll, tLogits, ctx.epoch());
            terms.put("dino", loss);
        } else {
            IbotHead sh = (IbotHead) studentHead;
            IbotHead th = (IbotHead) teacherHead;
            int epoch = ctx.epoch();
            long[][] anchors = contrastive == null ? null : contrastive.anchors(scores, grid * grid);
            IbotLoss.Result r;
            NDArray l3 = null;
            if (studentPatchHeadMaskedOnly && sh.tokenWise() && th.tokenWise()) {
                // The loss reads patch outputs only at the masked positions (and, for the contrastive term, at its
                // anchors): the token-wise student head runs on those rows only; the teacher's MLP runs on all
                // tokens, its last layer on those rows and on the sum of all rows (c2 is the mean over all patches).
                long[] masked = IbotLoss.maskedPositions(mk);
                long[][] need = neededRows(masked, anchors, contrastive);
                long[] sNeed = need[0], tNeed = need[1];
                NDArray tTok = to.tokens();
                long n = tTok.getShape().get(1) - 1;
                NDList t = th.forwardGathered(null, tTok, tNeed, false);
                NDArray tCls = t.get(0);
                NDArray tRows = tNeed.length > 0 ? t.get(2) : null;
                tLogits = tCls;
                centre = ibotLoss.center();
                mark(2);
                NDArray tok = so.tokens();                                   // (2B, 1+N, D)
                long d = tok.getShape().get(2);
                NDList rows = new NDList(so.cls());
                if (localCls != null) rows.add(localCls);
                int clsRows = (int) (g * b + (localCls == null ? 0 : localCls.getShape().get(0)));
                if (sNeed.length > 0) {
                    long[] idx = new long[sNeed.length];
                    for (int j = 0; j < sNeed.length; j++) idx[j] = (sNeed[j] / n) * (n + 1) + 1 + sNeed[j] % n;
                    rows.add(tok.reshape(-1, d).get(new NDIndex("{}", m.create(idx).duplicate())));
                }
                NDList out = sh.forwardRows(null, rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows), clsRows, true);
                NDArray sRows = sNeed.length > 0 ? out.get(1) : null;
                GatheredLoss gl = gatheredLoss(ibotLoss, contrastive, out.get(0), sRows, sNeed, tCls, tRows, tNeed, masked, anchors,
                        n, epoch, m);
                r = gl.ibot();
                l3 = gl.l3();
                ibotLoss.updateCentresFromPatchSum(tCls, t.get(1), g * b * n);
            } else {
                NDList t = th.forwardAll(null, to.tokens(), false);
                NDArray tCls = t.get(0), tPatch = t.get(1);
                tLogits = tCls;
                centre = ibotLoss.center();
                mark(2);
                NDList s = sh.forwardAll(null, so.tokens(), true);
                NDArray sCls = s.get(0);
                if (localCls != null) sCls = NDArrays.concat(new NDList(sCls, sh.forwardAll(null, localCls, true).get(0)));
                r = ibotLoss.forward(sCls, s.get(1), tCls, tPatch, maskArr, epoch);
                if (contrastive != null) l3 = contrastive.forward(r, s.get(1), ibotLoss.studentTemp(), scores);
            }
            loss = r.total();
            terms.put("cls", r.cls());
            terms.put("mim", r.mim());
            if (l3 != null) {
                loss = loss.add(l3);
                terms.put("l3", l3);
            }
        }
        double temp = dinoLoss != null ? dinoLoss.teacherTempSchedule().at(ctx.epoch()) : ibotLoss.teacherTempSchedule().at(ctx.epoch());
        NDArray probs = tLogits.sub(m.create(centre, new Shape(1, centre.length))).div((float) temp).softmax(-1);
        return new StepOutput(loss, terms, probs);
    }

    /** The iBOT loss of a step from gathered rows, and L3 (null when the term is off). */
    record GatheredLoss(IbotLoss.Result ibot, NDArray l3) {
        NDArray total() { return l3 == null ? ibot.total() : ibot.total().add(l3); }
    }

    /**
     * The flat patch positions ({@code row * N + i}) where the student's and the teacher's patch logits are read:
     * the masked positions, plus the contrastive anchors on the side its source names. Returns {student, teacher}.
     */
    static long[][] neededRows(long[] masked, long[][] anchors, ReppasContrastiveLoss contrastive) {
        if (contrastive == null) return new long[][] {masked, masked};
        long[] withAnchors = union(masked, anchors[0], anchors[1]);
        return contrastive.source() == ReppasContrastiveLoss.Source.STUDENT
                ? new long[][] {withAnchors, masked} : new long[][] {masked, withAnchors};
    }

    /**
     * The iBOT loss (gathered MIM form) and the contrastive term L3 from the patch logit rows at the positions of
     * {@link #neededRows} ({@code sRows} (|sNeed|, K2) of the student, {@code tRows} of the teacher, either null when
     * its positions are empty); the centres are not updated.
     */
    static GatheredLoss gatheredLoss(IbotLoss ibot, ReppasContrastiveLoss contrastive, NDArray sCls, NDArray sRows, long[] sNeed,
                                     NDArray tCls, NDArray tRows, long[] tNeed, long[] masked, long[][] anchors, long n,
                                     int epoch, NDManager m) {
        IbotLoss.Result r = ibot.lossOnlyGathered(sCls, rowsAt(sRows, sNeed, masked, m), tCls, rowsAt(tRows, tNeed, masked, m),
                masked, n, epoch);
        NDArray l3 = null;
        if (contrastive != null) {
            NDArray pos, neg;
            if (contrastive.source() == ReppasContrastiveLoss.Source.STUDENT) {
                float st = (float) ibot.studentTemp();
                pos = Scalars.div(rowsAt(sRows, sNeed, anchors[0], m), st).softmax(-1);
                neg = Scalars.div(rowsAt(sRows, sNeed, anchors[1], m), st).softmax(-1);
            } else {
                pos = ibot.teacherPatchProbs(rowsAt(tRows, tNeed, anchors[0], m), epoch);
                neg = ibot.teacherPatchProbs(rowsAt(tRows, tNeed, anchors[1], m), epoch);
            }
            l3 = contrastive.fromAnchorVectors(pos, neg);
        }
        return new GatheredLoss(r, l3);
    }

    private static long[] union(long[]... sets) {
        return Arrays.stream(sets).flatMapToLong(LongStream::of).distinct().sorted().toArray();
    }

    /**
     * The rows of {@code rows} (one per position of {@code have}, ascending) at {@code want} (each in {@code have});
     * {@code rows} itself when both are the same positions, null when {@code want} is empty.
     */
    private static NDArray rowsAt(NDArray rows, long[] have, long[] want, NDManager m) {
        if (want.length == 0) return null;
        if (want == have || Arrays.equals(want, have)) return rows;
        long[] idx = new long[want.length];
        for (int j = 0; j < want.length; j++) {
            int i = Arrays.binarySearch(have, want[j]);
            if (i < 0) throw new IllegalStateException("patch position " + want[j] + " was not computed");
            idx[j] = i;
        }
        return rows.get(new NDIndex("{}", m.create(idx).duplicate()));
    }

    private long[] phaseTimer;

    /**
     * Benchmarks only: {@code System.nanoTime()} marks of the next forwards, [0] after the teacher backbone and the
     * masks, [1] after the student backbone, [2] after the teacher's iBOT head (libtorch CPU ops run synchronously).
     */
    void setPhaseTimer(long[] marks) { this.phaseTimer = marks; }

    long[] phaseTimer() { return phaseTimer; }

    private void mark(int i) {
        if (phaseTimer != null && i < phaseTimer.length) phaseTimer[i] = System.nanoTime();
    }

    /** Where the student's patch head runs: true = masked positions (and contrastive anchors) only, false = all patches. */
    void setStudentPatchHeadMaskedOnly(boolean maskedOnly) { this.studentPatchHeadMaskedOnly = maskedOnly; }

    public String method() { return method; }

    /** Sums the loss centres' batch statistics over data-parallel workers (the Spark stage's all-reduce). */
    @Override
    public void setCenterSync(org.vitssl.pretrain.loss.CenterSync sync) {
        if (dinoLoss != null) dinoLoss.setCenterSync(sync);
        if (ibotLoss != null) ibotLoss.setCenterSync(sync);
    }

    public int patchSize() { return studentVit.config().patch(); }

    @Override
    public void close() {
        manager.close();
    }
}
