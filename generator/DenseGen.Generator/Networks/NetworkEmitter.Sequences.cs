using System.Linq;
using DenseGen.Generator.Determinism;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Networks;

/// <summary>
/// The members of a network of sequences (<see cref="NetworkSpec.IsSequence"/>): a sample is one stream's whole sequence,
/// the recurrent layers run time steps of streams whose state they keep, and every other layer applies at each time step
/// of each stream, as Keras' <c>TimeDistributed</c> does; its rows are <c>[streams, steps]</c>, PyTorch's
/// <c>batch_first</c>. The network steps its streams (<c>Step</c>), runs sequences (<c>Forward(input, output, steps)</c>),
/// goes back through the last one (<c>Backward</c>) and resets its state.
/// </summary>
internal static partial class NetworkEmitter
{
    private const string RunStepsMethod = "__DenseRunSteps";

    private static void WriteSequenceMembers(Context c)
    {
        WriteStep(c);
        WriteSequenceForward(c);
        if (c.Spec.IsTrainable)
        {
            WriteSequenceBackward(c);
            WriteZeroGradients(c);
        }
        WriteResetState(c);
    }

    /// <summary>
    /// Whether Backward cannot give the input's gradient: a frozen recurrent layer before the first trainable one keeps no
    /// time steps to go back through (one after it is DG0041).
    /// </summary>
    private static bool BlocksInputGradient(NetworkSpec spec) =>
        spec.Layers.Take(System.Math.Max(spec.FirstTrainable, 0)).Any(layer => !layer.Trainable && layer.Contract.Streams is not null);

    /// <summary>
    /// Rejects <paramref name="span"/> if it overlaps the running state of any recurrent layer (or, for
    /// <paramref name="gradients"/>, the state gradients their Backward writes). The network checks every layer's, not
    /// only the first's: a later layer's state changes while the call still reads the input (a longer sequence's chunks,
    /// Backward's earlier layers), and a refused call must leave the kept Forward as it was.
    /// </summary>
    private static void WriteDisjointFromState(Context c, string span, bool gradients = false)
    {
        foreach (NetworkLayer layer in c.Spec.Layers.Where(layer => layer.Contract.Streams is not null))
        {
            foreach (string state in gradients ? layer.Contract.Streams!.StateGradientProperties : layer.Contract.Streams!.StateProperties)
                WriteDisjoint(c, span, layer, state);
        }
    }

    /// <summary>
    /// Step's and Forward's checks once the streams are counted: <c>output</c> holds <paramref name="rows"/> rows and overlaps
    /// neither the input nor any layer's storage or state, and the input is no layer's state.
    /// </summary>
    private static void WriteOutputChecks(Context c, string rows)
    {
        c.W.Line($"{Guard}.RequireSamples(output.Length, {rows}, OutputSize, nameof(output), nameof(OutputSize));");
        c.W.Line($"{Guard}.RequireDisjoint<{c.T}>(output, nameof(output), input, nameof(input));");
        WriteDisjointFromLayers(c, "output");
        WriteDisjointFromState(c, "output");
        WriteDisjointFromState(c, "input");
    }

    /// <summary>One layer's call on <c>samples</c> rows of <c>steps</c> time steps: a recurrent layer runs the steps, any other each row.</summary>
    private static string SequenceCall(NetworkLayer layer, string input, string output) =>
        layer.Contract.Streams is not null
            ? $"this.{layer.FieldName}.Forward({input}, {output}, steps);"
            : $"this.{layer.FieldName}.Forward({input}, {output});";

    private static string RecurrentFields(NetworkSpec spec) =>
        string.Join(", ", spec.Layers.Where(layer => layer.Contract.Streams is not null).Select(layer => "<c>" + layer.FieldName + "</c>"));

    private static void WriteStep(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        w.Line("/// <summary>");
        w.Line("/// Advances the first <c>k = input.Length / InputSize</c> streams one time step through the layers in order");
        w.Line($"/// ({Describe(spec)}); the other streams' state is unchanged.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\"><c>[k, InputSize]</c>, <c>1 ≤ k ≤ MaxBatch</c>.</param>");
        w.Line("/// <param name=\"output\">Receives <c>[k, OutputSize]</c>. Must not overlap <paramref name=\"input\"/> or any layer's storage.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The spans do not hold whole streams, hold different numbers of them or more than <see cref=\"MaxBatch\"/>, or <paramref name=\"output\"/> overlaps memory the network reads. Nothing is written when it is thrown.</exception>");
        w.Line(spec.IsTrainable
            ? "/// <remarks>Writes the layers' state and the network's buffers (so <see cref=\"Backward\"/> needs a new <c>Forward</c>): one thread at a time. Allocates nothing.</remarks>"
            : "/// <remarks>Writes the layers' state and the network's buffers: one thread at a time. Allocates nothing.</remarks>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        c.Attributes();
        w.Open($"public void Step({ReadOnlySpan}<{c.T}> input, {Span}<{c.T}> output)");
        WriteRequireDeterministicMode(c);
        w.Line($"int streams = {Guard}.StreamCount(input.Length, 1, InputSize, MaxBatch, nameof(input), nameof(InputSize));");
        WriteOutputChecks(c, "streams");
        if (spec.IsTrainable)
        {
            w.Line("// The step overwrites the activations Backward would go back through.");
            w.Line($"{ForwardSamplesField} = 0;");
        }
        WriteBuffersLocal(c);
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            NetworkLayer layer = spec.Layers[i];
            string input = i == 0 ? "input" : ActivationSlice(c, i - 1, "streams");
            string output = i == spec.Layers.Count - 1 ? "output" : ActivationSlice(c, i, "streams");
            w.Line($"this.{layer.FieldName}.{(layer.Contract.Streams is not null ? "Step" : "Forward")}({input}, {output});");
        }
        w.Close();
        w.Line();
    }

    private static void WriteSequenceForward(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        w.Line("/// <summary>");
        w.Line($"/// Runs sequences of <paramref name=\"steps\"/> time steps of the first <c>k</c> streams through the layers ({Describe(spec)}):");
        w.Line("/// each recurrent layer starts from its streams' running state and leaves the last step's state there; every other");
        w.Line("/// layer applies at each time step of each stream.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\"><c>[k, steps, InputSize]</c> (PyTorch's <c>batch_first</c>), <c>1 ≤ k ≤ MaxBatch</c>.</param>");
        w.Line("/// <param name=\"output\">Receives <c>[k, steps, OutputSize]</c>. Must not overlap <paramref name=\"input\"/> or any layer's storage.</param>");
        w.Line(spec.IsTrainable
            ? "/// <param name=\"steps\">Time steps per stream, from 1 to <see cref=\"MaxSteps\"/>.</param>"
            : "/// <param name=\"steps\">Time steps per stream, at least 1; a longer sequence than <see cref=\"MaxSteps\"/> runs <c>MaxSteps</c> at a time.</param>");
        w.Line(spec.IsTrainable
            ? "/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"steps\"/> is less than 1 or more than <see cref=\"MaxSteps\"/>. Nothing is written.</exception>"
            : "/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"steps\"/> is less than 1. Nothing is written.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The spans do not hold whole sequences, hold different numbers of them or more than <see cref=\"MaxBatch\"/>, or <paramref name=\"output\"/> overlaps memory the network reads. Nothing is written when it is thrown.</exception>");
        w.Line(spec.IsTrainable
            ? "/// <remarks>Keeps every layer's output at every step for <see cref=\"Backward\"/>. Writes the layers' state and the network's buffers: one thread at a time. Allocates nothing.</remarks>"
            : "/// <remarks>Writes the layers' state and the network's buffers: one thread at a time. Allocates nothing.</remarks>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        c.Attributes();
        w.Open($"public void Forward({ReadOnlySpan}<{c.T}> input, {Span}<{c.T}> output, int steps)");
        WriteRequireDeterministicMode(c);
        w.Line($"int streams = {Guard}.StreamCount(input.Length, steps, InputSize, MaxBatch, nameof(input), nameof(InputSize));");
        if (spec.IsTrainable)
            w.Line($"{Guard}.RequireKeptSteps(steps, MaxSteps);");
        WriteOutputChecks(c, "streams * steps");
        WriteBuffersLocal(c);
        if (spec.IsTrainable)
            WriteKeptSteps(c);
        else
            WriteStepsInChunks(c);
        w.Close();
        w.Line();
        if (!spec.IsTrainable)
            WriteRunSteps(c);
    }

    /// <summary>A trainable network's Forward: every layer's output at every step is kept for Backward.</summary>
    private static void WriteKeptSteps(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        w.Line("// Until this call completes, its activations are not a whole Forward Backward could use.");
        w.Line($"{ForwardSamplesField} = 0;");
        w.Line("int samples = streams * steps;");
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            long slot = c.Layout.Activations(i);
            string input = i == 0 ? "input" : ActivationSlice(c, i - 1, "samples");
            w.Line(SequenceCall(spec.Layers[i], input, slot >= 0 ? ActivationSlice(c, i, "samples") : "output"));
            if (i == spec.Layers.Count - 1 && slot >= 0)
            {
                w.Line("// The last layer's output is kept too: its activation's derivative is taken from it in Backward.");
                w.Line($"{ActivationSlice(c, i, "samples")}.CopyTo(output);");
            }
        }
        w.Line($"{ForwardSamplesField} = streams;");
        w.Line($"{ForwardStepsField} = steps;");
    }

    /// <summary>
    /// A frozen network's Forward: up to MaxSteps steps at once; a longer sequence MaxSteps at a time, each stream's chunk
    /// of steps gathered into the network's chunk buffers (the layers take rows of whole streams) and the output scattered
    /// back, the recurrent layers carrying their state from one chunk to the next.
    /// </summary>
    private static void WriteStepsInChunks(Context c)
    {
        IndentedWriter w = c.W;
        w.Open("if (steps <= MaxSteps)");
        w.Line($"{RunStepsMethod}(input, output, buffers, streams, steps);");
        w.Line("return;");
        w.Close();
        w.Line($"{Span}<{c.T}> chunkInput = buffers.Slice({Number(c.Layout.ChunkInput)}, MaxBatch * MaxSteps * InputSize);");
        w.Line($"{Span}<{c.T}> chunkOutput = buffers.Slice({Number(c.Layout.ChunkOutput)}, MaxBatch * MaxSteps * OutputSize);");
        w.Open("for (int first = 0; first < steps; first += MaxSteps)");
        w.Line("int count = global::System.Math.Min(MaxSteps, steps - first);");
        w.Line("for (int stream = 0; stream < streams; stream++)");
        w.Line("    input.Slice((stream * steps + first) * InputSize, count * InputSize).CopyTo(chunkInput.Slice(stream * count * InputSize));");
        w.Line($"{RunStepsMethod}(chunkInput.Slice(0, streams * count * InputSize), chunkOutput.Slice(0, streams * count * OutputSize), buffers, streams, count);");
        w.Line("for (int stream = 0; stream < streams; stream++)");
        w.Line("    chunkOutput.Slice(stream * count * OutputSize, count * OutputSize).CopyTo(output.Slice((stream * steps + first) * OutputSize));");
        w.Close();
    }

    private static void WriteRunSteps(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        c.Attributes();
        w.Open($"private void {RunStepsMethod}({ReadOnlySpan}<{c.T}> input, {Span}<{c.T}> output, {Span}<{c.T}> buffers, int streams, int steps)");
        w.Line("int samples = streams * steps;");
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            string input = i == 0 ? "input" : ActivationSlice(c, i - 1, "samples");
            string output = i == spec.Layers.Count - 1 ? "output" : ActivationSlice(c, i, "samples");
            w.Line(SequenceCall(spec.Layers[i], input, output));
        }
        w.Close();
        w.Line();
    }

    private static void WriteSequenceBackward(Context c)
    {
        IndentedWriter w = c.W;
        NetworkSpec spec = c.Spec;
        bool blocked = BlocksInputGradient(spec);
        w.Line("/// <summary>");
        w.Line("/// Back-propagates through every time step of the last <see cref=\"Forward\"/>, layer by layer from the last: adds each");
        w.Line("/// trainable layer's weight and bias gradients, through the activations and the recurrence, and writes <c>∂L/∂X</c>");
        w.Line("/// into <paramref name=\"inputGradient\"/> unless it is empty. The recurrent layers write their initial state's gradients");
        w.Line("/// (<c>HiddenStateGradients</c>) for the state that Forward started from.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"input\">The input given to the last Forward, <c>[k, steps, InputSize]</c>.</param>");
        w.Line("/// <param name=\"outputGradient\"><c>∂L/∂Y</c> for what it wrote, <c>[k, steps, OutputSize]</c>.</param>");
        w.Line(blocked
            ? "/// <param name=\"inputGradient\">Must be empty: a frozen recurrent layer before the first trainable one keeps no time steps to go back through.</param>"
            : "/// <param name=\"inputGradient\">Receives <c>∂L/∂X</c>, <c>[k, steps, InputSize]</c>; pass an empty span to skip it.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A length is not that of the last Forward, or a span overlaps one the call writes. Nothing is written when it is thrown.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">No complete Forward has run since the network was created or its last <see cref=\"Step\"/>. Nothing is written.</exception>");
        w.Line("/// <remarks>Gradients accumulate across calls until <see cref=\"ZeroGradients\"/>. Writes the gradients and the buffers: one thread at a time per network. Allocates nothing.</remarks>");
        DeterministicModeRequirement.WriteDoc(w, RequiresFromEntryPoints(c));
        c.Attributes();
        w.Open($"public void Backward({ReadOnlySpan}<{c.T}> input, {ReadOnlySpan}<{c.T}> outputGradient, {Span}<{c.T}> inputGradient)");
        WriteRequireDeterministicMode(c);
        w.Line($"int samples = {Guard}.RequireSequenceForward(input.Length, InputSize, {ForwardSamplesField}, {ForwardStepsField}, nameof(input), nameof(InputSize));");
        w.Line($"{Guard}.RequireSamples(outputGradient.Length, samples, OutputSize, nameof(outputGradient), nameof(OutputSize));");
        if (blocked)
        {
            NetworkLayer frozen = spec.Layers.First(layer => !layer.Trainable && layer.Contract.Streams is not null);
            w.Line("if (!inputGradient.IsEmpty)");
            w.Line($"    throw new global::System.ArgumentException({Literal($"The frozen recurrent layer '{frozen.FieldName}' keeps no time steps to go back through, so the network cannot give the input's gradient; pass an empty inputGradient.")}, nameof(inputGradient));");
        }
        else
        {
            w.Line($"{Guard}.RequireSamplesOrEmpty(inputGradient.Length, samples, InputSize, nameof(inputGradient), nameof(InputSize));");
            w.Line($"{Guard}.RequireDisjoint<{c.T}>(inputGradient, nameof(inputGradient), input, nameof(input));");
            w.Line($"{Guard}.RequireDisjoint<{c.T}>(inputGradient, nameof(inputGradient), outputGradient, nameof(outputGradient));");
            WriteDisjointFromLayers(c, "inputGradient");
            WriteDisjointFromState(c, "inputGradient");
            WriteDisjointFromState(c, "inputGradient", gradients: true);
        }
        WriteDisjointFromGradients(c, "input", spec.First);
        WriteDisjointFromGradients(c, "outputGradient", spec.Last);
        WriteDisjointFromState(c, "input", gradients: true);
        WriteDisjointFromState(c, "outputGradient", gradients: true);
        WriteBackwardThroughLayers(c);
        w.Close();
        w.Line();
    }

    private static void WriteResetState(Context c)
    {
        IndentedWriter w = c.W;
        w.Line($"/// <summary>Sets every stream of every recurrent layer ({RecurrentFields(c.Spec)}) to the layer's initial state, as at the start of a sequence.</summary>");
        c.Attributes();
        w.Open("public void ResetState()");
        foreach (NetworkLayer layer in c.Spec.Layers.Where(layer => layer.Contract.Streams is not null))
            w.Line($"this.{layer.FieldName}.ResetState();");
        w.Close();
        w.Line();
    }
}
