using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using DenseGen.Tests.Layers;
using Xunit;

namespace DenseGen.Tests.Training;

/// <summary>Weight files: the format as specified, round trips, and every kind of bad file refused without touching a layer.</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("densegen-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void SavedFileFollowsTheFormat()
    {
        var layer = new F3x5();
        Initializer.Initialize(layer, Initialization.PyTorchDefault, seed: 1);
        string path = PathOf("one.safetensors");
        SafeTensors.Save(path, ("fc1", layer));

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using JsonDocument header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        JsonElement weight = header.RootElement.GetProperty("fc1.weight");
        Assert.Equal("F32", weight.GetProperty("dtype").GetString());
        Assert.Equal([5, 3], weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0, 60], weight.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([60, 80], header.RootElement.GetProperty("fc1.bias").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(8 + headerLength + 80, bytes.Length);
        // Raw little-endian data, weights row-major [Out, In] like nn.Linear.weight.
        Assert.Equal(layer.Weights[4], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength + 16))));
        Assert.Equal(layer.Bias[1], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength + 64))));
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void LayersRoundTrip()
    {
        var hidden = new F784x128ReLU();
        var output = new D41x10Tanh();
        Initializer.Initialize(hidden, Initialization.HeNormal, seed: 2);
        Initializer.Initialize(output, Initialization.XavierUniform, seed: 3);
        output.Bias.Fill(0.125);
        SafeTensors.Save(PathOf("f.safetensors"), ("hidden", hidden));
        SafeTensors.Save(PathOf("d.safetensors"), ("output", output));

        var hiddenCopy = new F784x128ReLU();
        var outputCopy = new D41x10Tanh();
        SafeTensors.Load(PathOf("f.safetensors"), ("hidden", hiddenCopy));
        SafeTensors.Load(PathOf("d.safetensors"), ("output", outputCopy));
        Assert.Equal(hidden.Weights.ToArray(), hiddenCopy.Weights.ToArray());
        Assert.Equal(hidden.Bias.ToArray(), hiddenCopy.Bias.ToArray());
        Assert.Equal(output.Weights.ToArray(), outputCopy.Weights.ToArray());
        Assert.Equal(output.Bias.ToArray(), outputCopy.Bias.ToArray());
    }

    [Fact]
    public void FileWrittenByAnotherToolLoads()
    {
        // Written by hand from the specification, as PyTorch would: keys in another order, metadata, an extra
        // tensor of a dtype layers never load, and F64 data for a float layer (rounded to nearest on load).
        double[] weights = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6];
        double[] bias = [1.0 / 3, 2.5];
        byte[] file = BuildFile(
            """{"lin.bias":{"dtype":"F64","shape":[2],"data_offsets":[48,64]},"__metadata__":{"format":"pt"},"lin.weight":{"dtype":"F64","shape":[2,3],"data_offsets":[0,48]},"step":{"dtype":"I64","shape":[],"data_offsets":[64,72]}}""",
            [.. weights.SelectMany(Bytes), .. bias.SelectMany(Bytes), .. new byte[8]]);
        File.WriteAllBytes(PathOf("torch.safetensors"), file);

        var layer = new F3x2();
        SafeTensors.Load(PathOf("torch.safetensors"), ("lin", layer));
        Assert.Equal(weights.Select(w => (float)w), layer.Weights.ToArray());
        Assert.Equal(bias.Select(b => (float)b), layer.Bias.ToArray());
        Assert.Equal("pt", SafeTensorsFile.Read(PathOf("torch.safetensors")).Metadata["format"]);
    }

    public static TheoryData<string, string> BadFiles() => new()
    {
        { "short", "shorter than the 8-byte header length" },
        { "header-past-end", "truncated or corrupt" },
        { "header-huge", "more than the format's limit" },
        { "not-json", "not valid JSON" },
        { "json-array", "not an object" },
        { "duplicate-key", "the name 'a.weight' appears twice" },
        { "missing-tensor", "tensor 'b.bias' is missing" },
        { "wrong-shape", "has shape [2, 3]; the layer needs [5, 3]" },
        { "wrong-dtype", "has dtype I32; a layer can load F32 or F64" },
        { "unknown-dtype", "dtype 'F33'" },
        { "size-mismatch", "its data_offsets span 56" },
        { "offsets-reversed", "begin ≤ end" },
        { "offsets-past-end", "it is truncated" },
        { "truncated-data", "it is truncated" },
        { "gap", "has a gap at bytes 60–64" },
        { "overlap", "overlaps another tensor's data" },
        { "trailing-bytes", "has trailing bytes" },
        { "negative-shape", "expected a non-negative integer" },
        { "fractional-offset", "expected a non-negative integer" },
        { "metadata-not-strings", "allows strings only" },
        { "no-dtype", "has no dtype string" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFileIsRefusedAndLeavesEveryLayerAsItWas(string kind, string message)
    {
        string path = PathOf(kind + ".safetensors");
        File.WriteAllBytes(path, BadFile(kind));
        var a = new F3x5();
        var b = new F3x5();
        Initializer.Initialize(a, Initialization.PyTorchDefault, seed: 4);
        Initializer.Initialize(b, Initialization.PyTorchDefault, seed: 5);
        float[][] before = [a.Weights.ToArray(), a.Bias.ToArray(), b.Weights.ToArray(), b.Bias.ToArray()];

        InvalidDataException exception = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path, ("a", a), ("b", b)));

        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
        Assert.StartsWith(kind + ".safetensors: ", exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, [a.Weights.ToArray(), a.Bias.ToArray(), b.Weights.ToArray(), b.Bias.ToArray()]);
    }

    [Fact]
    public void MissingFileThrowsFileNotFound()
    {
        var layer = new F3x5();
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(PathOf("absent.safetensors"), ("a", layer)));
    }

    [Fact]
    public void SaveReplacesAnExistingFileWholeAndLeavesNoTemporaryFile()
    {
        string path = PathOf("model.safetensors");
        File.WriteAllText(path, "old contents");
        var layer = new F3x5();
        layer.Weights.Fill(2);
        SafeTensors.Save(path, ("a", layer));
        var copy = new F3x5();
        SafeTensors.Load(path, ("a", copy));
        Assert.All(copy.Weights.ToArray(), w => Assert.Equal(2f, w));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void FailedSaveLeavesTheOldFileAndNoTemporaryFile()
    {
        string path = PathOf("model.safetensors");
        File.WriteAllText(path, "old contents");
        var layer = new F3x5();
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, ("a", layer), ("a", layer)));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, ("__metadata__", layer)));
        Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(PathOf("no/such/dir/model.safetensors"), ("a", layer)));
        Assert.Equal("old contents", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void TensorInfoPrintsItsShape()
    {
        // Not "Shape = System.Int64[]", the record's default for a list.
        Assert.Equal("SafeTensorInfo { Dtype = F32, Shape = [128, 784], Begin = 0, End = 401408 }", new SafeTensorInfo("F32", [128, 784], 0, 401_408).ToString());
        Assert.Equal("SafeTensorInfo { Dtype = F64, Shape = [], Begin = 8, End = 16 }", new SafeTensorInfo("F64", [], 8, 16).ToString());
        var layer = new F3x5();
        SafeTensors.Save(PathOf("info.safetensors"), ("a", layer));
        Assert.Contains("Shape = [5, 3]", SafeTensorsFile.Read(PathOf("info.safetensors")).Tensors["a.weight"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SaveIntoAMissingDirectoryNamesThePathAndTheDirectoryAndWritesNothing()
    {
        string missing = PathOf("no-such-dir");
        string path = Path.Combine(missing, "model.safetensors");
        DirectoryNotFoundException exception = Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(path, ("a", new F3x5())));
        // Not the temporary file's name, which the caller never chose.
        Assert.Equal($"Cannot write '{path}': the directory '{missing}' does not exist.", exception.Message);
        Assert.DoesNotContain(".tmp", exception.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    // F3x5 tensors a.weight [5, 3] (60 bytes) and a.bias [5] (20 bytes), then b's: 160 bytes of F32 data.
    private static string ValidHeader(string bWeight = """{"dtype":"F32","shape":[5,3],"data_offsets":[80,140]}""", string bBias = """{"dtype":"F32","shape":[5],"data_offsets":[140,160]}""") =>
        $$"""{"a.weight":{"dtype":"F32","shape":[5,3],"data_offsets":[0,60]},"a.bias":{"dtype":"F32","shape":[5],"data_offsets":[60,80]},"b.weight":{{bWeight}},"b.bias":{{bBias}}}""";

    private static byte[] BadFile(string kind)
    {
        byte[] data = Enumerable.Range(0, 160).Select(i => (byte)i).ToArray();
        switch (kind)
        {
            case "short": return [1, 2, 3];
            case "header-past-end":
            {
                byte[] file = BuildFile(ValidHeader(), data);
                BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
                return file;
            }
            case "header-huge":
            {
                byte[] file = BuildFile(ValidHeader(), data);
                BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue);
                return file;
            }
            case "not-json": return BuildFile("""{"a.weight": {"dtype": "F32",""", data);
            case "json-array": return BuildFile("[1, 2, 3]", data);
            case "duplicate-key": return BuildFile(ValidHeader().Replace("\"a.bias\"", "\"a.weight\"", StringComparison.Ordinal), data);
            case "missing-tensor": return BuildFile(ValidHeader().Replace(""","b.bias":{"dtype":"F32","shape":[5],"data_offsets":[140,160]}""", "", StringComparison.Ordinal), data[..140]);
            case "wrong-shape": return BuildFile(ValidHeader(bWeight: """{"dtype":"F32","shape":[2,3],"data_offsets":[80,104]}""", bBias: """{"dtype":"F32","shape":[14],"data_offsets":[104,160]}"""), data);
            case "wrong-dtype": return BuildFile(ValidHeader(bWeight: """{"dtype":"I32","shape":[5,3],"data_offsets":[80,140]}"""), data);
            case "unknown-dtype": return BuildFile(ValidHeader(bWeight: """{"dtype":"F33","shape":[5,3],"data_offsets":[80,140]}"""), data);
            case "size-mismatch": return BuildFile(ValidHeader(bWeight: """{"dtype":"F32","shape":[5,3],"data_offsets":[80,136]}""", bBias: """{"dtype":"F32","shape":[6],"data_offsets":[136,160]}"""), data);
            case "offsets-reversed": return BuildFile(ValidHeader(bWeight: """{"dtype":"F32","shape":[0],"data_offsets":[140,80]}"""), data);
            case "offsets-past-end": return BuildFile(ValidHeader(bBias: """{"dtype":"F32","shape":[5],"data_offsets":[200,220]}"""), data);
            case "truncated-data": return BuildFile(ValidHeader(), data[..150]);
            case "gap": return BuildFile(ValidHeader(bWeight: """{"dtype":"F32","shape":[5,3],"data_offsets":[84,144]}""", bBias: """{"dtype":"F32","shape":[4],"data_offsets":[144,160]}""").Replace("[60,80]", "[64,84]", StringComparison.Ordinal).Replace("\"shape\":[5,3],\"data_offsets\":[0,60]", "\"shape\":[5,3],\"data_offsets\":[0,60]", StringComparison.Ordinal), data);
            case "overlap": return BuildFile(ValidHeader(bWeight: """{"dtype":"F32","shape":[5,3],"data_offsets":[70,130]}""", bBias: """{"dtype":"F32","shape":[7],"data_offsets":[130,158]}"""), data[..158]);
            case "trailing-bytes": return BuildFile(ValidHeader(), [.. data, 0, 0, 0, 0]);
            case "negative-shape": return BuildFile(ValidHeader(bBias: """{"dtype":"F32","shape":[-5],"data_offsets":[140,160]}"""), data);
            case "fractional-offset": return BuildFile(ValidHeader(bBias: """{"dtype":"F32","shape":[5],"data_offsets":[140,160.5]}"""), data);
            case "metadata-not-strings": return BuildFile(ValidHeader().Replace("{\"a.weight\"", "{\"__metadata__\":{\"epoch\":3},\"a.weight\"", StringComparison.Ordinal), data);
            case "no-dtype": return BuildFile(ValidHeader(bBias: """{"shape":[5],"data_offsets":[140,160]}"""), data);
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static byte[] BuildFile(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    private static IEnumerable<byte> Bytes(double value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(bytes, value);
        return bytes;
    }
}
