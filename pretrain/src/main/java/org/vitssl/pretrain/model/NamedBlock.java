package org.vitssl.pretrain.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of every block in this package: parameters are declared with their checkpoint (timm) leaf
 * name, an explicit shape and initialiser, and children are registered with their checkpoint prefix,
 * so {@link #namedParameters()} needs no mapping table.
 *
 * <p>Results of operations are attached to the manager of the activation that flows through the
 * block (never to the parameters' manager), so a caller's per-step sub-manager frees them.
 */
public abstract class NamedBlock extends AbstractBlock implements NamedParameters {
    private final LinkedHashMap<String, Parameter> own = new LinkedHashMap<>();
    private final List<Map.Entry<String, NamedParameters>> kids = new ArrayList<>();

    protected NamedBlock() {
        super((byte) 1);
    }

    /** Declares a parameter under its checkpoint leaf name. */
    protected final Parameter param(String name, Shape shape, Initializer init, Parameter.Type type) {
        Parameter p = Parameter.builder().setName(name).setType(type).optShape(shape).optInitializer(init).build();
        addParameter(p);
        own.put(name, p);
        return p;
    }

    /** Registers a child block under its checkpoint prefix (without the trailing dot). */
    protected final <B extends NamedBlock> B child(String prefix, B block) {
        addChildBlock(prefix, block);
        kids.add(Map.entry(prefix, block));
        return block;
    }

    @Override
    public LinkedHashMap<String, Parameter> namedParameters() {
        LinkedHashMap<String, Parameter> m = new LinkedHashMap<>(own);
        for (Map.Entry<String, NamedParameters> k : kids) {
            NamedParameters.putAll(m, k.getKey() + ".", k.getValue().namedParameters());
        }
        return m;
    }

    @Override
    public LinkedHashMap<String, NDArray> namedBuffers() {
        LinkedHashMap<String, NDArray> m = new LinkedHashMap<>(ownBuffers());
        for (Map.Entry<String, NamedParameters> k : kids) {
            NamedParameters.putAllBuffers(m, k.getKey() + ".", k.getValue().namedBuffers());
        }
        return m;
    }

    /** Buffers of this block itself (BatchNorm overrides it). */
    protected Map<String, NDArray> ownBuffers() {
        return Map.of();
    }

    /** Allocates all parameters (each has an explicit shape, so input shapes are not needed). */
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block b : getChildren().values()) b.initialize(manager, dataType, inputShapes);
    }

    /** The parameter's array for this forward (through the store when one is given). */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps == null ? p.getArray() : ps.getValue(p, like.getDevice(), training);
    }

    /** Moves a result computed with a parameter as first operand to the activation's manager. */
    protected static NDArray own(NDArray result, NDManager m) {
        result.attach(m);
        return result;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + ": output shapes depend on options");
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    /** Single-array forward of simple blocks. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no single-array forward");
    }
}
