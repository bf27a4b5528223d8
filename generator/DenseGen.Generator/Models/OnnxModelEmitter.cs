using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security;
using DenseGen.Generator.Layers;
using DenseGen.Generator.Layers.Dense;
using DenseGen.Generator.Model;
using DenseGen.Generator.Networks;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Models;

/// <summary>
/// Writes an <c>[OnnxModel]</c> class from its plan: the size constants and constant outputs, a field per layer and per
/// buffer, a constructor that copies the baked weights into the layers, and <c>Forward</c>, which checks every span, then
/// runs the plan's steps on <c>MaxBatch</c> samples at a time. The layers themselves are nested types written by their
/// kinds' own emitters (the rows of <see cref="LayerKinds"/>), appended to the same file.
/// </summary>
internal static class OnnxModelEmitter
{
    private const string Guard = GeneratedFile.Guard;
    private const string ReadOnlySpan = "global::System.ReadOnlySpan", Span = "global::System.Span";
    private const string RecipeMethod = "__denseRecipe", SignatureField = "__denseSignature", SetLoadedMethod = "__denseSetLoaded";
    private const string BakedDataField = "__denseBaked", ValueField = "__denseValue", ConstantField = "__denseConstant", DrawsField = "__denseDraws";
    private const string Random = OnnxModelMembers.RandomParameter;

    /// <summary>The hint name, e.g. <c>App.Policy.OnnxModel.g.cs</c>.</summary>
    public static string HintName(OnnxModelSpec spec) => GeneratedFile.HintName(spec.Namespace, spec.ContainingTypes, spec.TypeName, ".OnnxModel.g.cs");

    public static string Emit(OnnxModelSpec spec, TargetInfo target)
    {
        ModelPlan plan = spec.Plan!;
        var w = new IndentedWriter();
        GeneratedFile.Open(w, spec.Namespace, spec.ContainingTypes);
        string file = "<c>" + SecurityElement.Escape(spec.Path) + "</c>";
        w.Line($"/// <summary>The network of {file}, compiled by DenseGen: {Describe(plan)}.</summary>");
        w.Open($"partial class {spec.TypeName}");
        WriteConstants(w, spec, plan);
        WriteFields(w, plan, target.IsPortable);
        WriteConstructor(w, spec, plan, file, target.IsPortable);
        WriteLoadOnnx(w, plan, file, target.IsPortable);
        WriteForward(w, plan);
        WriteChunk(w, spec, plan, target.IsPortable);
        WriteBakedData(w, plan, file);
        w.Close();
        GeneratedFile.Close(w, spec.Namespace, spec.ContainingTypes);

        // The layers, each by its kind's own emitter, as nested types of this class.
        var source = new System.Text.StringBuilder(w.ToString());
        foreach (ModelLayer layer in plan.Layers)
        {
            LayerKind kind = LayerKinds.All.First(k => k.Name == layer.Spec.Contract.Kind);
            source.AppendLine().Append(kind.Emit(layer.Spec, target));
        }
        return source.ToString();
    }

    private static string Describe(ModelPlan plan) =>
        string.Join(", then ", plan.Layers.Select(layer => layer.Spec.Contract.Kind + " " + layer.Spec.Contract.Description)) is { Length: > 0 } layers
            ? SecurityElement.Escape(layers)!
            : "no layers";

    private static void WriteConstants(IndentedWriter w, OnnxModelSpec spec, ModelPlan plan)
    {
        foreach ((string role, string graphName, string parameter, string constant, int value) in
            plan.Inputs.Select(i => ("input", i.GraphName, i.Parameter, i.SizeConstant, i.Value))
                .Concat(plan.Outputs.Select(o => ("output", o.GraphName, o.Parameter, o.SizeConstant, o.Value))))
        {
            w.Line($"/// <summary>Elements of one sample of the graph {role} <c>{Escape(graphName)}</c>: the length of <c>{parameter.TrimStart('@')}</c> per sample.</summary>");
            GeneratedFile.Field(w);
            w.Line($"public const int {constant} = {Number(plan.Values[value].Width)};");
            w.Line();
        }
        w.Line("/// <summary>The samples one pass computes: <c>Forward</c> takes any number, this many at a time, and the buffers hold this many.</summary>");
        GeneratedFile.Field(w);
        w.Line($"public const int MaxBatch = {Number(plan.MaxBatch)};");
        w.Line();
        foreach (ModelConstant constant in plan.Constants)
        {
            string type = constant.IsInteger ? "long" : "float";
            IEnumerable<string> literals = constant.Longs is { } longs
                ? longs.Select(v => v.ToString(CultureInfo.InvariantCulture) + "L")
                : constant.Floats.Select(FloatLiteral);
            w.Line($"/// <summary>The graph's constant output <c>{Escape(constant.GraphName)}</c>.</summary>");
            if (constant.Count == 1)
            {
                GeneratedFile.Field(w);
                w.Line($"public const {type} {constant.Identifier} = {literals.Single()};");
            }
            else
            {
                GeneratedFile.Member(w);
                w.Line($"public static {ReadOnlySpan}<{type}> {constant.Identifier} => new {type}[] {{ {string.Join(", ", literals)} }};");
            }
            w.Line();
        }
    }

    private static void WriteFields(IndentedWriter w, ModelPlan plan, bool portable)
    {
        foreach (ModelLayer layer in plan.Layers)
        {
            w.Line($"/// <summary>{Escape(layer.Node)}: {Escape(layer.Spec.Contract.Description)}.</summary>");
            GeneratedFile.Field(w);
            w.Line($"private readonly {layer.Spec.TypeName} {layer.Field} = new {layer.Spec.TypeName}();");
        }
        // Each buffer from a cache line, as a network's are, where the runtime can pin one (not the portable output's
        // runtimes): a layer reads its input row once per tile of outputs, and a row that splits lines costs two loads each time.
        foreach (ModelValue value in plan.Buffered)
        {
            GeneratedFile.Field(w);
            string length = Number((long)plan.MaxBatch * value.Width);
            w.Line(portable
                ? $"private readonly {Type(value)}[] {ValueField}{Number(value.Id)} = new {Type(value)}[{length}];"
                : $"private readonly {GeneratedFile.CompilerServices}.AlignedArray<{Type(value)}> {ValueField}{Number(value.Id)} = new({length});");
        }
        foreach (MultinomialStep step in plan.Steps.OfType<MultinomialStep>())
        {
            GeneratedFile.Field(w);
            w.Line($"private readonly double[] {DrawsField}{Number(step.Output)} = new double[{Number((long)plan.MaxBatch * step.Samples)}];");
        }
        // Constants LoadOnnx rewrites are the instance's own; the others are shared by every instance.
        foreach (FillStep step in plan.Steps.OfType<FillStep>())
        {
            if (!IsUniform(plan, step))
                WriteConstantArray(w, FillName(step), step.Values, IsLoaded(plan, step.Output, null));
        }
        foreach (BinaryStep step in plan.Steps.OfType<BinaryStep>())
        {
            foreach ((Operand operand, string side) in new[] { (step.Left, "Left"), (step.Right, "Right") })
            {
                if (operand.Constant is { } values && (values.Count > 1 || IsLoaded(plan, step.Output, side)))
                    WriteConstantArray(w, ConstantName(step, side), values, IsLoaded(plan, step.Output, side));
            }
        }
        w.Line();
    }

    /// <summary>
    /// A constant the steps read: shared by every instance, or, where <c>LoadOnnx</c> rewrites it, the instance's own
    /// array, which <c>LoadBakedWeights</c> sets from the shared compiled values.
    /// </summary>
    private static void WriteConstantArray(IndentedWriter w, string name, EquatableArray<float> values, bool loaded)
    {
        GeneratedFile.Field(w);
        w.Line($"private static readonly float[] {name}{(loaded ? BakedSuffix : "")} = new float[] {{ {string.Join(", ", values.Select(FloatLiteral))} }};");
        if (loaded)
        {
            GeneratedFile.Field(w);
            w.Line($"private readonly float[] {name} = new float[{Number(values.Count)}];");
        }
    }

    private const string BakedSuffix = "Baked";

    /// <summary>The array of a constant <c>LoadOnnx</c> rewrites: a fill's, or a binary step's operand's.</summary>
    private static string ConstantArrayName(ModelTarget target) => ConstantField + Number(target.Step) + (target.Side ?? "Fill");

    /// <summary>Whether <c>LoadOnnx</c> rewrites the constant of the step writing <paramref name="step"/> (its fill, or an operand).</summary>
    private static bool IsLoaded(ModelPlan plan, int step, string? side) =>
        plan.Recipe.Targets.Any(t => t.Layer < 0 && t.Step == step && t.Side == side);

    private static void WriteConstructor(IndentedWriter w, OnnxModelSpec spec, ModelPlan plan, string file, bool portable)
    {
        w.Line($"/// <summary>Creates the network with the weights of {file}, baked in at compile time.</summary>");
        GeneratedFile.Member(w);
        w.Line($"public {spec.TypeName}() => LoadBakedWeights();");
        w.Line();
        w.Line($"/// <summary>Sets every layer's weights, and every constant <c>LoadOnnx</c> rewrites, to the ones baked in from {file} at compile time; reads no file and allocates nothing. A constructor with parameters calls it (or chains to the parameterless one).</summary>");
        GeneratedFile.Member(w);
        w.Open("public void LoadBakedWeights()");
        int tensor = 0;
        foreach (ModelLayer layer in plan.Layers)
        {
            foreach (TensorSpec table in layer.Spec.Contract.Tensors)
                w.Line($"{GeneratedFile.CompilerServices}.NetworkFile.CopyBaked<float>(global::System.MemoryExtensions.AsSpan({BakedDataField}{Number(tensor++)}), this.{layer.Field}.{table.Property});");
        }
        foreach (ModelTarget target in plan.Recipe.Targets.Where(t => t.Layer < 0))
            w.Line($"global::System.MemoryExtensions.AsSpan({ConstantArrayName(target)}{BakedSuffix}).CopyTo(this.{ConstantArrayName(target)});");
        WriteTransposeWeights(w, plan, portable);
        w.Close();
        w.Line();
    }

    /// <summary>After the layers' weights are written: each layer that keeps a copy of <c>Wᵀ</c> rewrites it (<see cref="OneSampleKernel"/>).</summary>
    private static void WriteTransposeWeights(IndentedWriter w, ModelPlan plan, bool portable)
    {
        foreach (ModelLayer layer in plan.Layers)
        {
            if (layer.Spec is DenseSpec dense && OneSampleKernel.Applies(dense, portable))
                w.Line($"this.{layer.Field}.{OneSampleKernel.RefreshMethod}();");
        }
    }

    private static void WriteLoadOnnx(IndentedWriter w, ModelPlan plan, string file, bool portable)
    {
        string files = GeneratedFile.CompilerServices + ".OnnxModelFile";
        foreach ((string parameter, string doc, string read) in new[]
        {
            ("string path", "<param name=\"path\">The <c>.onnx</c> file to read.</param>", $"{files}.Read(path, {RecipeMethod}())"),
            ("global::System.IO.Stream stream", "<param name=\"stream\">A stream holding the model, read to its end.</param>", $"{files}.Read(stream, {RecipeMethod}())"),
            ("byte[] model", "<param name=\"model\">The model's bytes, such as a file's or an embedded resource's.</param>", $"{files}.Parse(model, \"the ONNX model\", {RecipeMethod}())"),
        })
        {
            w.Line("/// <summary>");
            w.Line($"/// Loads the weights of another export of the network compiled from {file}, such as a newer training run's: the same");
            w.Line("/// nodes, ops, attributes and Constant values (names may differ). Every layer's weights and bias, every normalizer's mean");
            w.Line("/// and standard deviation, and every constant the generator folded from the file's initializers (folded again, to the");
            w.Line("/// same bits compiling the file would give) are replaced. The whole model is checked first; on any error this instance is");
            w.Line("/// unchanged.");
            w.Line("/// </summary>");
            w.Line("/// " + doc);
            w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The model is invalid, is not the compiled architecture (the message names the first difference), changes a value the compiled code holds as a constant (a clamp's bound, a constant output), or has a standard deviation that is not positive and finite.</exception>");
            w.Line("/// <exception cref=\"global::System.IO.IOException\">The model could not be read.</exception>");
            GeneratedFile.Member(w);
            w.Line($"public void LoadOnnx({parameter}) => {SetLoadedMethod}({read});");
            w.Line();
        }

        ModelRecipe recipe = plan.Recipe;
        GeneratedFile.Member(w);
        w.Open($"private void {SetLoadedMethod}(float[][] __arrays)");
        for (int t = 0; t < recipe.Targets.Count; t++)
        {
            ModelTarget target = recipe.Targets[t];
            string destination = target.Layer >= 0
                ? $"this.{plan.Layers[target.Layer].Field}.{plan.Layers[target.Layer].Spec.Contract.Tensors[target.Tensor].Property}"
                : $"global::System.MemoryExtensions.AsSpan(this.{ConstantArrayName(target)})";
            w.Line($"new {ReadOnlySpan}<float>(__arrays[{Number(t)}]).CopyTo({destination});");
        }
        WriteTransposeWeights(w, plan, portable);
        w.Close();
        w.Line();

        w.Line("/// <summary>The architecture <c>LoadOnnx</c> accepts, one item per line, as <c>OnnxSignature</c> writes it.</summary>");
        GeneratedFile.Field(w);
        w.Line($"private const string {SignatureField} = {Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(recipe.Signature, quote: true)};");
        w.Line();
        w.Line("/// <summary>Where <c>LoadOnnx</c> takes each value from in a file of that architecture.</summary>");
        GeneratedFile.Member(w);
        w.Line($"private static {GeneratedFile.CompilerServices}.OnnxModelRecipe {RecipeMethod}() => new {GeneratedFile.CompilerServices}.OnnxModelRecipe(");
        w.Indent();
        w.Line(SignatureField + ",");
        WriteArray(w, "int", recipe.Expressions.Select(v => Number(v)), ",");
        WriteArray(w, "float", recipe.Constants.Select(FloatLiteral), ",");
        WriteArray(w, "int", recipe.Targets.SelectMany(t => new[] { t.Length, t.Runs, t.MustBePositive ? 1 : 0 }).Select(v => Number(v)), ",");
        WriteArray(w, "int", recipe.Runs.Select(v => Number(v)), ",");
        WriteArray(w, "int", recipe.Pins.Select(v => Number(v)), ",");
        WriteArray(w, "float", recipe.Pinned.Select(FloatLiteral), ",");
        WriteArray(w, "string", recipe.Targets.Select(t => t.Description).Concat(recipe.PinDescriptions).Select(d => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(d, quote: true)), ");");
        w.Unindent();
        w.Line();
    }

    /// <summary>An array creation, sixteen elements to a line.</summary>
    private static void WriteArray(IndentedWriter w, string type, IEnumerable<string> items, string end)
    {
        List<string> all = items.ToList();
        if (all.Count == 0)
        {
            w.Line($"global::System.Array.Empty<{type}>(){end}");
            return;
        }
        w.Line($"new {type}[]");
        w.Line("{");
        w.Indent();
        for (int i = 0; i < all.Count; i += 16)
            w.Line(string.Join(", ", all.Skip(i).Take(16)) + ",");
        w.Unindent();
        w.Line("}" + end);
    }

    private static void WriteForward(IndentedWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// Computes the outputs of k samples, <see cref=\"MaxBatch\"/> at a time; every span holds k samples (k ≥ 1), and the");
        w.Line("/// outputs are written only after every span is checked. Allocates nothing.");
        w.Line("/// </summary>");
        foreach (ModelInput input in plan.Inputs)
            w.Line($"/// <param name=\"{input.Parameter.TrimStart('@')}\">The graph input <c>{Escape(input.GraphName)}</c>: <c>[k, {input.SizeConstant}]</c>.</param>");
        foreach (ModelOutput output in plan.Outputs)
            w.Line($"/// <param name=\"{output.Parameter.TrimStart('@')}\">Receives the graph output <c>{Escape(output.GraphName)}</c>: <c>[k, {output.SizeConstant}]</c>.</param>");
        if (plan.UsesRandom)
            w.Line($"/// <param name=\"{Random}\">The generator of the random outputs' draws, taken sample by sample, then in the graph's order, then element by element: the same seed gives the same outputs whatever <see cref=\"MaxBatch\"/>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not hold whole samples, the spans hold different numbers of samples, or an output overlaps another span.</exception>");
        if (plan.UsesRandom)
            w.Line($"/// <exception cref=\"global::System.ArgumentNullException\"><paramref name=\"{Random}\"/> is null.</exception>");
        GeneratedFile.Member(w);
        w.Open($"public void Forward({Parameters(plan)})");
        if (plan.UsesRandom)
        {
            w.Line($"if ({Random} is null)");
            w.Line($"    throw new global::System.ArgumentNullException(nameof({Random}));");
        }
        ModelInput first = plan.Inputs[0];
        string firstName = first.Parameter;
        w.Line($"int __samples = {Guard}.SampleCount({firstName}.Length, {first.SizeConstant}, nameof({firstName}), nameof({first.SizeConstant}));");
        foreach (ModelInput input in plan.Inputs.Skip(1))
            w.Line($"{Guard}.RequireSamples({input.Parameter}.Length, __samples, {input.SizeConstant}, nameof({input.Parameter}), nameof({input.SizeConstant}));");
        foreach (ModelOutput output in plan.Outputs)
            w.Line($"{Guard}.RequireSamples({output.Parameter}.Length, __samples, {output.SizeConstant}, nameof({output.Parameter}), nameof({output.SizeConstant}));");
        // Outputs may not overlap the inputs or each other: a step would overwrite what a later one reads.
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            ModelOutput output = plan.Outputs[o];
            bool integer = plan.Values[output.Value].IsInteger;
            IEnumerable<string> others = plan.Inputs.Where(_ => !integer).Select(i => i.Parameter)
                .Concat(plan.Outputs.Take(o).Where(p => plan.Values[p.Value].IsInteger == integer).Select(p => p.Parameter));
            foreach (string other in others)
                w.Line($"{Guard}.RequireDisjoint<{(integer ? "int" : "float")}>({output.Parameter}, nameof({output.Parameter}), {other}, nameof({other}));");
        }
        w.Line("for (int __first = 0; __first < __samples; __first += MaxBatch)");
        w.Line($"    __denseForwardChunk(__first, global::System.Math.Min(MaxBatch, __samples - __first), {string.Join(", ", Arguments(plan))});");
        w.Close();
        w.Line();
    }

    private static string Parameters(ModelPlan plan) =>
        string.Join(", ", plan.Inputs.Select(i => $"{ReadOnlySpan}<float> {i.Parameter}")
            .Concat(plan.Outputs.Select(o => $"{Span}<{Type(plan.Values[o.Value])}> {o.Parameter}"))
            .Concat(plan.UsesRandom ? [$"global::DenseGen.SeededRandom {Random}"] : []));

    private static IEnumerable<string> Arguments(ModelPlan plan) =>
        plan.Inputs.Select(i => i.Parameter).Concat(plan.Outputs.Select(o => o.Parameter)).Concat(plan.UsesRandom ? [Random] : []);

    private static void WriteChunk(IndentedWriter w, OnnxModelSpec spec, ModelPlan plan, bool portable)
    {
        GeneratedFile.Member(w);
        w.Open($"private void __denseForwardChunk(int __first, int __count, {Parameters(plan)})");
        foreach (ModelInput input in plan.Inputs)
            w.Line($"{ReadOnlySpan}<float> __v{Number(input.Value)} = {input.Parameter}.Slice(__first * {input.SizeConstant}, __count * {input.SizeConstant});");
        foreach (ModelOutput output in plan.Outputs)
            w.Line($"{Span}<{Type(plan.Values[output.Value])}> __v{Number(output.Value)} = {output.Parameter}.Slice(__first * {output.SizeConstant}, __count * {output.SizeConstant});");
        foreach (ModelValue value in plan.Buffered)
        {
            w.Line(portable
                ? $"{Span}<{Type(value)}> __v{Number(value.Id)} = global::System.MemoryExtensions.AsSpan({ValueField}{Number(value.Id)}, 0, __count * {Number(value.Width)});"
                : $"{Span}<{Type(value)}> __v{Number(value.Id)} = {ValueField}{Number(value.Id)}.Span.Slice(0, __count * {Number(value.Width)});");
        }
        foreach (MultinomialStep step in plan.Steps.OfType<MultinomialStep>())
            w.Line($"{Span}<double> __d{Number(step.Output)} = global::System.MemoryExtensions.AsSpan({DrawsField}{Number(step.Output)}, 0, __count * {Number(step.Samples)});");
        if (plan.UsesRandom)
            WriteDraws(w, plan);
        foreach (ModelStep step in plan.Steps)
            WriteStep(w, spec, plan, step);
        w.Close();
        w.Line();
    }

    /// <summary>Every random step's draws for the chunk, sample by sample, then step by step, then element by element.</summary>
    private static void WriteDraws(IndentedWriter w, ModelPlan plan)
    {
        w.Open("for (int __s = 0; __s < __count; __s++)");
        foreach (ModelStep step in plan.Steps)
        {
            switch (step)
            {
                case RandomNormalStep normal:
                    int width = plan.Values[normal.Output].Width;
                    w.Line($"for (int __j = 0; __j < {Number(width)}; __j++)");
                    w.Line($"    __v{Number(normal.Output)}[__s * {Number(width)} + __j] = {FloatLiteral(normal.Mean)} + {Parenthesized(FloatLiteral(normal.Scale))} * (float){Random}.NextGaussian();");
                    break;
                case MultinomialStep multinomial:
                    w.Line($"for (int __j = 0; __j < {Number(multinomial.Samples)}; __j++)");
                    w.Line($"    __d{Number(multinomial.Output)}[__s * {Number(multinomial.Samples)} + __j] = {Random}.NextDouble();");
                    break;
            }
        }
        w.Close();
    }

    private static void WriteStep(IndentedWriter w, OnnxModelSpec spec, ModelPlan plan, ModelStep step)
    {
        string output = "__v" + Number(step.Output);
        int width = plan.Values[step.Output].Width;
        string deterministicHelpers = GeneratedFile.CompilerServices + ".DeterministicActivations";
        string ops = GeneratedFile.CompilerServices + ".ModelOps";
        switch (step)
        {
            case LayerStep layer:
                w.Line($"this.{plan.Layers[layer.Layer].Field}.Forward(__v{Number(layer.Input)}, {output});");
                break;
            case RecurrentStep recurrent:
                // The chunk's samples are the layer's streams: their state in, the steps, the hidden state after each out.
                string field = "this." + plan.Layers[recurrent.Layer].Field;
                // Each stream's state is one row of H, as many as the output has steps of them.
                string stateLength = recurrent.Steps == 1 ? output + ".Length" : $"{output}.Length / {Number(recurrent.Steps)}";
                bool hasCell = ((Layers.Recurrent.RecurrentSpec)plan.Layers[recurrent.Layer].Spec).HasCell;
                if (recurrent.FromInitial)
                {
                    // A constant initial state, the layer's own: every stream starts from it.
                    w.Line($"{field}.ResetState();");
                }
                else
                {
                    w.Line(recurrent.Hidden >= 0
                        ? $"__v{Number(recurrent.Hidden)}.CopyTo({field}.HiddenState);"
                        : $"{field}.HiddenState.Slice(0, {stateLength}).Clear();");
                    if (hasCell)
                    {
                        w.Line(recurrent.Cell >= 0
                            ? $"__v{Number(recurrent.Cell)}.CopyTo({field}.CellState);"
                            : $"{field}.CellState.Slice(0, {stateLength}).Clear();");
                    }
                }
                w.Line(recurrent.Steps == 1
                    ? $"{field}.Step(__v{Number(recurrent.Input)}, {output});"
                    : $"{field}.Forward(__v{Number(recurrent.Input)}, {output}, {Number(recurrent.Steps)});");
                break;
            case CellStateStep cell:
                w.Line($"this.{plan.Layers[cell.Layer].Field}.CellState.Slice(0, {output}.Length).CopyTo({output});");
                break;
            case UnaryStep unary:
                string input = "__v" + Number(unary.Input);
                switch (unary.Op)
                {
                    case UnaryOp.Relu:
                        w.Line($"{input}.CopyTo({output});");
                        w.Line($"global::DenseGen.Activations.ReLU<float>({output});");
                        break;
                    case UnaryOp.LeakyRelu:
                        w.Line($"{input}.CopyTo({output});");
                        w.Line($"global::DenseGen.Activations.LeakyReLU<float>({output}, {FloatLiteral(unary.A)});");
                        break;
                    case UnaryOp.Sigmoid or UnaryOp.Tanh:
                        w.Line($"{input}.CopyTo({output});");
                        w.Line(spec.Deterministic ? $"{deterministicHelpers}.{unary.Op}({output});" : $"global::DenseGen.Activations.{unary.Op}<float>({output});");
                        break;
                    case UnaryOp.Elu:
                        w.Line($"{(spec.Deterministic ? ops + ".DeterministicElu" : ops + ".Elu")}({input}, {output}, {FloatLiteral(unary.A)});");
                        break;
                    case UnaryOp.Exp or UnaryOp.Log:
                        w.Line($"{ops}.{(spec.Deterministic ? "Deterministic" : "")}{unary.Op}({input}, {output});");
                        break;
                    case UnaryOp.Clip:
                        w.Open($"for (int __i = 0; __i < {output}.Length; __i++)");
                        // min(max(x, low), high), as ONNX defines Clip (high wins where low > high); a comparison with NaN
                        // is false, so NaN passes through.
                        w.Line($"float __x = {input}[__i] < {FloatLiteral(unary.A)} ? {FloatLiteral(unary.A)} : {input}[__i];");
                        w.Line($"{output}[__i] = __x > {FloatLiteral(unary.B)} ? {FloatLiteral(unary.B)} : __x;");
                        w.Close();
                        break;
                }
                break;
            case BinaryStep binary:
                string left = OperandExpression(plan, binary, binary.Left, "Left"), right = OperandExpression(plan, binary, binary.Right, "Right");
                string op = binary.Op switch { BinaryOp.Add => "+", BinaryOp.Sub => "-", BinaryOp.Mul => "*", _ => "/" };
                w.Open($"for (int __i = 0; __i < {output}.Length; __i++)");
                // The element's feature, for a constant of one value per feature.
                if (binary.Left.Constant is { Count: > 1 } || binary.Right.Constant is { Count: > 1 })
                    w.Line($"int __f = __i % {Number(width)};");
                w.Line($"{output}[__i] = {left} {op} {right};");
                w.Close();
                break;
            case ConcatStep concat:
                int offset = 0;
                w.Open("for (int __s = 0; __s < __count; __s++)");
                foreach (int part in concat.Inputs)
                {
                    int partWidth = plan.Values[part].Width;
                    w.Line($"__v{Number(part)}.Slice(__s * {Number(partWidth)}, {Number(partWidth)}).CopyTo({output}.Slice(__s * {Number(width)} + {Number(offset)}, {Number(partWidth)}));");
                    offset += partWidth;
                }
                w.Close();
                break;
            case SliceStep slice:
                int sourceWidth = plan.Values[slice.Input].Width;
                w.Line("for (int __s = 0; __s < __count; __s++)");
                w.Line($"    __v{Number(slice.Input)}.Slice(__s * {Number(sourceWidth)} + {Number(slice.Start)}, {Number(width)}).CopyTo({output}.Slice(__s * {Number(width)}, {Number(width)}));");
                break;
            case SoftmaxStep softmax:
                w.Line($"{ops}.{(spec.Deterministic ? "Deterministic" : "")}Softmax(__v{Number(softmax.Input)}, {output}, {Number(softmax.Row)});");
                break;
            case ArgMaxStep argMax:
                w.Line($"{ops}.ArgMax(__v{Number(argMax.Input)}, {output}, {Number(argMax.Row)});");
                break;
            case RandomNormalStep:
                break; // drawn before the steps
            case MultinomialStep multinomial:
                w.Line($"{ops}.{(spec.Deterministic ? "Deterministic" : "")}Multinomial(__v{Number(multinomial.Input)}, __d{Number(multinomial.Output)}, {output}, {Number(multinomial.Row)}, {Number(multinomial.Samples)});");
                break;
            case CopyStep copy:
                w.Line($"__v{Number(copy.Input)}.CopyTo({output});");
                break;
            case FillStep fill when IsUniform(plan, fill):
                w.Line($"{output}.Fill({FloatLiteral(fill.Values[0])});");
                break;
            case FillStep fill:
                w.Line("for (int __s = 0; __s < __count; __s++)");
                w.Line($"    global::System.MemoryExtensions.AsSpan({FillName(fill)}).CopyTo({output}.Slice(__s * {Number(width)}, {Number(width)}));");
                break;
        }
    }

    /// <summary>Whether a fill is one value written in the code: the same everywhere, and not rewritten by <c>LoadOnnx</c>.</summary>
    private static bool IsUniform(ModelPlan plan, FillStep step) =>
        !IsLoaded(plan, step.Output, null) && step.Values.All(v => FloatLiteral(v) == FloatLiteral(step.Values[0]));

    /// <summary>The static array of a fill step's values, named by the value the step writes.</summary>
    private static string FillName(FillStep step) => ConstantField + Number(step.Output) + "Fill";

    private static string OperandExpression(ModelPlan plan, BinaryStep step, Operand operand, string side) =>
        operand.Constant is not { } values ? "__v" + Number(operand.Value) + "[__i]"
        : values.Count > 1 ? ConstantName(step, side) + "[__f]"
        : IsLoaded(plan, step.Output, side) ? ConstantName(step, side) + "[0]"
        : Parenthesized(FloatLiteral(values[0]));

    /// <summary>The static array of a binary step's constant operand of one value per element, named by the value the step writes.</summary>
    private static string ConstantName(BinaryStep step, string side) => ConstantField + Number(step.Output) + side;

    private static string Parenthesized(string literal) => literal.StartsWith("-", System.StringComparison.Ordinal) ? "(" + literal + ")" : literal;

    private static void WriteBakedData(IndentedWriter w, ModelPlan plan, string file)
    {
        // Each tensor is a string literal returned by a static property, two bytes to a character, as networks bake theirs
        // (NetworkEmitter.WriteBakedWeights says why a property and not a const).
        int offset = 0, tensor = 0;
        foreach (ModelLayer layer in plan.Layers)
        {
            foreach (TensorSpec table in layer.Spec.Contract.Tensors)
            {
                int bytes = table.Length * sizeof(float);
                w.Line($"/// <summary>The {table.Property.ToLowerInvariant()} of <c>{layer.Field}</c> from {file}: little-endian float, two bytes to a character.</summary>");
                GeneratedFile.Member(w);
                w.Line($"private static string {BakedDataField}{Number(tensor++)} => {NetworkEmitter.BakedLiteral(plan.Weights.Span, offset, bytes)};");
                w.Line();
                offset += bytes;
            }
        }
    }

    private static string Type(ModelValue value) => value.IsInteger ? "int" : "float";

    /// <summary>A float as C# writes it exactly: <c>0.1f</c>, <c>float.PositiveInfinity</c>, <c>float.NaN</c>.</summary>
    private static string FloatLiteral(float value) =>
        float.IsNaN(value) ? "float.NaN"
        : float.IsPositiveInfinity(value) ? "float.PositiveInfinity"
        : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
        : value == 0 && 1f / value < 0 ? "-0f"
        : value.ToString("R", CultureInfo.InvariantCulture) + "f";

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
