using System.Collections.Generic;
using System.Globalization;
using System.Linq;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// A fully connected layer in an ONNX graph: a <c>Gemm</c> (<c>transA</c> 0, <c>transB</c> 0 or 1, <c>alpha</c> and
/// <c>beta</c> 1, an optional bias as <c>C</c>) or a <c>MatMul</c> with an optional <c>Add</c> of the bias right after
/// it, then optionally one activation op of the activation table (with the table's attribute values) or SiLU as
/// exporters write it, <c>Mul(z, Sigmoid(z))</c>. It gives the
/// tensors <c>weight</c> (<c>[Out, In]</c> row-major, as <c>nn.Linear</c> holds it, whichever way the model stores it)
/// and, where the layer has one, <c>bias</c>: a biased layer takes a missing bias as zero (as a MatMul without an Add
/// computes), and a bias-free layer refuses a model's bias, naming it.
/// </summary>
internal sealed class OnnxDenseMapping : OnnxLayerMapping
{
    private static readonly string[] OpList =
        new[] { "Gemm", "MatMul", "Add", "Mul" }.Concat(Definitions.ActivationTable.All.Where(row => row.Onnx is not null).Select(row => row.Onnx!.OpType)).ToArray();

    public override string Kind => "Dense";

    public override IReadOnlyList<string> Ops => OpList;

    public override bool StartsLayer(OnnxNode node) => node.OpType is "Gemm" or "MatMul";

    public override double[][] Read(OnnxChain chain, ExpectedLayer layer, int index)
    {
        OnnxNode first = chain.Next!;
        Product product = first.OpType switch
        {
            "Gemm" => ReadGemm(chain, first),
            "MatMul" => ReadMatMul(chain, first),
            "Add" => throw chain.Invalid($"{first.Describe()} is not the bias of a MatMul just before it"),
            _ when Definitions.ActivationTable.FromOnnxOp(first.OpType) is not null =>
                throw chain.Invalid($"{first.Describe()} does not follow a Gemm or MatMul; DenseGen applies one activation per layer"),
            _ => throw chain.Invalid($"{first.Describe()} is where the network's layer {index} ('{layer.Name}'), a Dense layer, starts; expected a Gemm or MatMul"),
        };
        chain.Take(first);
        string node = first.Describe();
        if (product.Inputs != layer.Inputs || product.Outputs != layer.Outputs)
            throw chain.Invalid($"{node} is a {product.Inputs}→{product.Outputs} layer; the network's layer {index} ('{layer.Name}') is {layer.Inputs}→{layer.Outputs}");

        // A MatMul's bias is an Add right after it (not after a pass-through op, which would add it to another shape).
        if (first.OpType == "MatMul" && chain.Only is { OpType: "Add" } add)
        {
            chain.RequireInputs(add, 2);
            string name = add.Inputs[0] == chain.Current ? add.Inputs[1] : add.Inputs[0];
            product.Bias = BiasOf(chain, add, chain.FloatConstant(add, name), product.Outputs);
            product.BiasSource = $"{add.Describe()} adds the bias '{name}'";
            chain.Take(add);
        }

        chain.SkipPassThrough();
        RefuseStrayBias(chain);
        string? activation = TakeSiLU(chain) ? "SiLU" : TakeActivationOp(chain, layer);
        if ((activation ?? "None") != layer.Activation)
            throw chain.Invalid($"{node} is followed by {activation ?? "no activation"}; the network's layer {index} ('{layer.Name}') has {(layer.Activation == "None" ? "none" : layer.Activation)}");

        // What may not follow a layer: a bias that is not a MatMul's, or a second activation.
        chain.SkipPassThrough();
        RefuseStrayBias(chain);
        if (chain.Next is { } after && Definitions.ActivationTable.FromOnnxOp(after.OpType) is not null)
            throw chain.Invalid($"{after.Describe()} does not follow a Gemm or MatMul; DenseGen applies one activation per layer");

        // A bias-free layer (no 'bias' in its table) refuses a model's bias rather than dropping it; a biased layer takes
        // a missing one as zero, as a MatMul without an Add computes.
        if (product.Bias is not null && layer.IndexOf("bias") < 0)
            throw chain.Invalid($"{product.BiasSource}; the network's layer {index} ('{layer.Name}') has none (Bias = false)");
        var tensors = new double[layer.Tensors.Count][];
        for (int t = 0; t < tensors.Length; t++)
        {
            tensors[t] = layer.Tensors[t].Name switch
            {
                "weight" => Widen(product.Weights),
                "bias" => product.Bias is null ? new double[product.Outputs] : Widen(product.Bias),
                string other => throw chain.Invalid($"the network's layer {index} ('{layer.Name}') has a tensor '{other}', which a Dense layer's ONNX ops do not give"),
            };
        }
        return tensors;
    }

    /// <summary>
    /// The activation op next on the chain, taken, with its attributes checked against the activation table's row; null
    /// when the next op is not an activation.
    /// </summary>
    private static string? TakeActivationOp(OnnxChain chain, ExpectedLayer layer)
    {
        if (chain.Next is not { } next || Definitions.ActivationTable.FromOnnxOp(next.OpType) is not { Onnx: { } onnx } row)
            return null;
        // Which ops are activations, their attributes and names: rows of one table, which the generator reads too
        // (DenseGen.Definitions here, DenseGen.Generator.Definitions there).
        chain.RequireInputs(next, 1);
        foreach (Definitions.OnnxFloatAttribute expected in onnx.Attributes)
        {
            float value = next.Attributes.TryGetValue(expected.Name, out OnnxAttribute? given) ? given.F : expected.WhenAbsent;
            // Leaky ReLU's slope is the layer's own (NegativeSlope), compared as the float ONNX stores.
            float required = expected.IsLayerSlope ? (float)layer.NegativeSlope : expected.Value;
            if (value != required)
                throw chain.Invalid($"{next.Describe()} has {expected.Name} {value.ToString("R", CultureInfo.InvariantCulture)}; DenseGen's {row.Prose} has {expected.Meaning} {required.ToString("R", CultureInfo.InvariantCulture)}");
        }
        chain.Take(next);
        return row.Name;
    }

    /// <summary>
    /// SiLU as exporters write it, having no single operator for it in the opsets DenseGen reads: the layer's output
    /// taken by exactly a <c>Sigmoid</c> of it and a <c>Mul</c> of it with that sigmoid, and the sigmoid taken by
    /// nothing else. Takes both nodes and returns true; leaves the chain as it was otherwise.
    /// </summary>
    private static bool TakeSiLU(OnnxChain chain)
    {
        IReadOnlyList<OnnxNode> takers = chain.Takers;
        if (takers.Count != 2)
            return false;
        OnnxNode? sigmoid = takers.FirstOrDefault(node => node.OpType == "Sigmoid");
        OnnxNode? mul = takers.FirstOrDefault(node => node.OpType == "Mul");
        if (sigmoid is null || mul is null || sigmoid.Inputs.Length != 1 || sigmoid.Outputs.Length != 1 || mul.Inputs.Length != 2)
            return false;
        string z = chain.Current, s = sigmoid.Outputs[0];
        bool multipliesZBySigmoid = (mul.Inputs[0] == z && mul.Inputs[1] == s) || (mul.Inputs[0] == s && mul.Inputs[1] == z);
        if (!multipliesZBySigmoid || chain.TakersOf(s).Count != 1)
            return false;
        chain.TakePattern([sigmoid], mul);
        return true;
    }

    /// <summary>Refuses an <c>Add</c> next on the chain: only a MatMul's bias, right after it, is an Add this mapping reads.</summary>
    private static void RefuseStrayBias(OnnxChain chain)
    {
        if (chain.Only is { OpType: "Add" } add)
            throw chain.Invalid($"{add.Describe()} is not the bias of a MatMul just before it");
    }

    /// <summary>The layer's product read so far: its sizes, weights as <c>[Out, In]</c>, and bias if the model has one.</summary>
    private sealed class Product
    {
        public Product(int inputs, int outputs, float[] weights)
        {
            Inputs = inputs;
            Outputs = outputs;
            Weights = weights;
        }

        public int Inputs { get; }

        public int Outputs { get; }

        /// <summary>[Out, In] row-major.</summary>
        public float[] Weights { get; }

        public float[]? Bias { get; set; }

        /// <summary>Which node adds the bias and which tensor it is, for the message that refuses it.</summary>
        public string? BiasSource { get; set; }
    }

    private static Product ReadGemm(OnnxChain chain, OnnxNode node)
    {
        if (node.Inputs.Length is < 2 or > 3 || node.Inputs[0] != chain.Current)
            throw chain.Invalid($"{node.Describe()} must take the output so far as A, and weights as B");
        if (OnnxChain.Attribute(node, "transA", 0) != 0)
            throw chain.Invalid($"{node.Describe()} transposes its input (transA = 1)");
        long transB = OnnxChain.Attribute(node, "transB", 0);
        if (transB is not (0 or 1))
            throw chain.Invalid($"{node.Describe()} has transB {transB}");
        foreach (string name in new[] { "alpha", "beta" })
        {
            if (node.Attributes.TryGetValue(name, out OnnxAttribute? scale) && scale.F != 1f)
                throw chain.Invalid($"{node.Describe()} has {name} {scale.F.ToString("R", CultureInfo.InvariantCulture)}; DenseGen imports alpha = beta = 1");
        }
        OnnxTensor weights = chain.FloatConstant(node, node.Inputs[1]);
        if (weights.Dims.Length != 2)
            throw chain.Invalid($"{node.Describe()} has weights '{weights.Name}' of shape {weights.Shape}; expected two dimensions");
        int outputs = (int)(transB == 1 ? weights.Dims[0] : weights.Dims[1]), inputs = (int)(transB == 1 ? weights.Dims[1] : weights.Dims[0]);
        var product = new Product(inputs, outputs, transB == 1 ? weights.Floats! : Transpose(weights.Floats!, inputs, outputs));
        if (node.Inputs.Length == 3 && node.Inputs[2].Length > 0)
        {
            product.Bias = BiasOf(chain, node, chain.FloatConstant(node, node.Inputs[2]), outputs);
            product.BiasSource = $"{node.Describe()} adds the bias '{node.Inputs[2]}'";
        }
        return product;
    }

    private static Product ReadMatMul(OnnxChain chain, OnnxNode node)
    {
        if (node.Inputs.Length != 2 || node.Inputs[0] != chain.Current)
            throw chain.Invalid($"{node.Describe()} must multiply the output so far by weights on its right");
        OnnxTensor weights = chain.FloatConstant(node, node.Inputs[1]);
        if (weights.Dims.Length != 2)
            throw chain.Invalid($"{node.Describe()} has weights '{weights.Name}' of shape {weights.Shape}; expected two dimensions");
        int inputs = (int)weights.Dims[0], outputs = (int)weights.Dims[1];
        return new Product(inputs, outputs, Transpose(weights.Floats!, inputs, outputs));
    }

    private static float[] BiasOf(OnnxChain chain, OnnxNode node, OnnxTensor bias, int outputs)
    {
        bool fits = bias.Dims.Length == 1 ? bias.Dims[0] == outputs : bias.Dims.Length == 2 && bias.Dims[0] == 1 && bias.Dims[1] == outputs;
        if (!fits)
            throw chain.Invalid($"{node.Describe()} has bias '{bias.Name}' of shape {bias.Shape}; the layer has {outputs} outputs");
        return bias.Floats!;
    }

    /// <summary>[In, Out] row-major to [Out, In].</summary>
    private static float[] Transpose(float[] values, int inputs, int outputs)
    {
        // One pass over the values, however the dimensions split them: a [2³¹ − 1, 0] tensor costs nothing.
        var rows = new float[values.Length];
        for (int k = 0; k < values.Length; k++)
            rows[(k % outputs) * inputs + k / outputs] = values[k];
        return rows;
    }
}
