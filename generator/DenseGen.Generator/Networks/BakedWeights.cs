using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using DenseGen.Generator.Formats;
using DenseGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DenseGen.Generator.Networks;

/// <summary>
/// A weight file as the compiler hands it over: additional files are text, so a binary file comes as its text form,
/// a first line <c>densegen-weights {path}</c> naming the file as a network's <c>Weights</c> names it, then the bytes
/// in base64. The package's build files write that form for every <c>.safetensors</c> and <c>.onnx</c> file of a
/// project (as <c>*.densegen-weights</c> under obj/); in Unity, where no build files run, users write it themselves
/// (as <c>{name}.DenseGen.Generator.additionalfile</c>, the name Unity passes on to this generator).
/// </summary>
/// <param name="Name">The path the first line gives, with forward slashes.</param>
/// <param name="Bytes">The file's bytes, compared by their length and SHA-256 (see <see cref="WeightBytes"/>); empty when
/// <paramref name="Error"/> says why they could not be read.</param>
/// <param name="Source">The additional file's own path, to tell two text forms of one name apart in a message.</param>
/// <param name="Error">Why the bytes could not be read, or null.</param>
internal sealed record WeightsText(string Name, WeightBytes Bytes, string Source, string? Error)
{
    public const string Header = "densegen-weights ";

    /// <summary>Whether the compiler's additional file is a weight file's text form, judged by its name alone.</summary>
    public static bool IsWeightsText(string path) =>
        path.EndsWith(".densegen-weights", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".DenseGen.Generator.additionalfile", StringComparison.Ordinal);

    public static WeightsText? Read(AdditionalText file, CancellationToken cancellationToken)
    {
        SourceText? text = file.GetText(cancellationToken);
        if (text is null)
            return new WeightsText(Path.GetFileName(file.Path), WeightBytes.Empty, file.Path, "the compiler could not read " + file.Path);
        string content = text.ToString();
        int lineEnd = content.IndexOf('\n');
        string first = (lineEnd < 0 ? content : content.Substring(0, lineEnd)).TrimEnd('\r');
        if (!first.StartsWith(Header, StringComparison.Ordinal))
            return new WeightsText(Path.GetFileName(file.Path), WeightBytes.Empty, file.Path, $"{file.Path} does not start with '{Header}<file name>'");
        string name = Normalize(first.Substring(Header.Length).Trim());
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(lineEnd < 0 ? "" : content.Substring(lineEnd + 1));
        }
        catch (FormatException)
        {
            // Convert has no TryFromBase64String on .NET Standard 2.0, where the generator runs.
            return new WeightsText(name, WeightBytes.Empty, file.Path, $"the text form of '{name}' ({file.Path}) is not valid base64; rebuild to write it again");
        }
        try
        {
            // Hashed here, once per change to the file, so that no later step has to look at the bytes to compare them.
            return new WeightsText(name, WeightBytes.Own(bytes), file.Path, null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Never into the compiler (SHA-256 is there wherever the compiler runs, which checksums sources with it).
            return new WeightsText(name, WeightBytes.Empty, file.Path, $"the text form of '{name}' ({file.Path}) could not be hashed: {exception.GetType().Name}: {exception.Message}");
        }
    }

    /// <summary>A path as names are compared: forward slashes, no leading <c>./</c>.</summary>
    public static string Normalize(string path)
    {
        string normalized = path.Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal))
            normalized = normalized.Substring(2);
        return normalized;
    }
}

/// <summary>The weights a network starts with, in its element type, little-endian: each layer's weights then its bias.</summary>
/// <param name="File">The file they came from, as the network names it.</param>
/// <param name="Data">The bytes, compared by their length and SHA-256 (see <see cref="WeightBytes"/>), so that comparing two
/// network specs never reads them.</param>
internal sealed record BakedWeights(string File, WeightBytes Data);

/// <summary>
/// What baking a network's weights depends on: the network and the one weight file its <c>Weights</c> finds, or why it
/// finds none. Finding is cheap and redone whenever any weight file changes; this value is compared by the file's identity
/// (<see cref="WeightBytes"/>), so baking, which reads and converts the whole file, is redone only when the network or its
/// own file changed.
/// </summary>
internal sealed record WeightsRequest(NetworkSpec Spec, WeightsText? File, BakeProblem? Problem);

/// <summary>Why a network's weights could not be baked: the kind picks the diagnostic, the message completes it.</summary>
internal sealed record BakeProblem(BakeProblemKind Kind, string Message);

internal enum BakeProblemKind
{
    /// <summary>No one file the compiler was given has that name, or the name cannot be one (DG0029).</summary>
    NotFound,

    /// <summary>The file is there but does not fit the layers, or is not a weight file (DG0030).</summary>
    Mismatch,

    /// <summary>Reading failed in a way the readers never should: a bug in DenseGen (DG0010).</summary>
    Internal,
}

/// <summary>
/// Reads a network's <c>Weights</c> file at compile time with the runtime's own readers and checks it against the
/// layers: the same rules as the network's <c>Load</c> (strict) and <c>LoadOnnx</c>.
/// </summary>
internal static class WeightsBaker
{
    /// <summary>The network's weight file among <paramref name="files"/>, or why there is none; nothing to find without <c>Weights</c>.</summary>
    public static WeightsRequest Find(NetworkSpec spec, IEnumerable<WeightsText> files)
    {
        if (spec.Weights is null)
            return new WeightsRequest(spec, null, null);
        (WeightsText? found, string? notFound) = WeightsLookup.Find(spec.Weights, files.ToList());
        if (found is null)
            return new WeightsRequest(spec, null, new BakeProblem(BakeProblemKind.NotFound, notFound!));
        if (found.Error is not null)
            return new WeightsRequest(spec, null, new BakeProblem(BakeProblemKind.Mismatch, found.Error));
        return new WeightsRequest(spec, found, null);
    }

    /// <summary>The spec with its weights baked, or with the problem to report at its attribute; unchanged without <c>Weights</c>.</summary>
    public static NetworkSpec WithWeights(WeightsRequest request)
    {
        NetworkSpec spec = request.Spec;
        if (spec.Weights is null)
            return spec;
        (BakedWeights? weights, BakeProblem? problem) = request.File is null ? (null, request.Problem) : Bake(spec, request.File);
        return spec with { Baked = weights, BakeProblem = problem };
    }

    /// <summary>The weights, or the problem to report at the attribute.</summary>
    private static (BakedWeights? Weights, BakeProblem? Problem) Bake(NetworkSpec spec, WeightsText file)
    {
        string wanted = file.Name;
        byte[] bytes = file.Bytes.ToArray();
        var expected = spec.Layers.Select(layer => ExpectedOf(layer, spec.Element)).ToArray();
        List<double[][]> tensors;
        try
        {
            tensors = wanted.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
                ? OnnxLayers.Map(OnnxModel.Parse(bytes, wanted, safetensorsAdvice: "a weight file is read as safetensors when its name ends in .safetensors"), wanted, expected)
                : SafeTensorsLayers.Map(SafeTensorsHeader.Parse(bytes, wanted), expected, strict: true);
        }
        catch (InvalidDataException exception)
        {
            // The readers refuse every bad file with InvalidDataException and nothing else (fuzzed in the tests).
            return (null, new BakeProblem(BakeProblemKind.Mismatch, exception.Message.TrimEnd('.')));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Never into the compiler: anything else would be a bug in DenseGen, reported as DG0010.
            return (null, new BakeProblem(BakeProblemKind.Internal, "reading the weight file failed: " + exception.GetType().Name + ": " + exception.Message));
        }

        // Every layer's tensors in table order, as the emitter writes one constant per tensor.
        byte[] data = new byte[spec.ElementSize * tensors.Sum(layer => layer.Sum(tensor => tensor.Length))];
        int offset = 0;
        foreach (double[] tensor in tensors.SelectMany(layer => layer))
            offset = Write(data, offset, tensor, spec.Element);
        try
        {
            return (new BakedWeights(wanted, WeightBytes.Own(data)), null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Hashing worked when the file was decoded, so this is never expected; still not into the compiler.
            return (null, new BakeProblem(BakeProblemKind.Internal, "hashing the baked weights failed: " + exception.GetType().Name + ": " + exception.Message));
        }
    }

    /// <summary>
    /// The layer as the file readers check it: its kind, recorded architecture, sizes, activation and tensor table, each
    /// tensor's constraint checked on its values as <paramref name="element"/> will hold them (as the runtime's Load does).
    /// </summary>
    private static ExpectedLayer ExpectedOf(NetworkLayer layer, ElementKind element) => new(
        layer.TensorName, layer.Contract.Kind, layer.Contract.Architecture, layer.In, layer.Out, layer.Contract.Activation.ToString(), layer.Contract.Activation.NegativeSlope,
        layer.Contract.Tensors.Select(tensor => new ExpectedTensor(
            tensor.Name, tensor.Shape.Select(dimension => (long)dimension).ToArray(), tensor.MustBePositive, element == ElementKind.Float32)).ToArray());

    /// <summary>Writes <paramref name="values"/> at <paramref name="offset"/> as little-endian <paramref name="element"/>s; returns where they end.</summary>
    private static int Write(byte[] data, int offset, double[] values, ElementKind element)
    {
        Span<byte> target = data.AsSpan(offset, values.Length * element.Size());
        if (element == ElementKind.Float64)
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(target);
        else
            MemoryMarshal.AsBytes(Array.ConvertAll(values, value => (float)value).AsSpan()).CopyTo(target);
        LittleEndian.SwapOnBigEndian(target, element.Size());
        return offset + target.Length;
    }
}
