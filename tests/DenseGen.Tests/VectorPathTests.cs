using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.Intrinsics;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Runs the numerical checks in child processes whose runtime has Vector512, then Vector256, then every
/// hardware intrinsic disabled, so the Vector256, Vector128 and scalar kernels are all checked on a machine
/// that would otherwise only ever run its widest one. (The in-process tests cover the widest.)
/// </summary>
[Trait("Category", "Integration")]
public class VectorPathTests
{
    public static TheoryData<string, string> Paths => new()
    {
        // .NET 10 reads EnableAVX512; .NET 8 and 9 read EnableAVX512F. Both are set so either runtime obeys.
        // Vector<T> is 256 bits unless asked for more: the runtime's activations then run on Vector512 too.
        { "DOTNET_MaxVectorTBitWidth=512", "Vector512" },
        { "DOTNET_EnableAVX512F=0;DOTNET_EnableAVX512=0", "Vector256" },
        { "DOTNET_EnableAVX2=0", "Vector128" },
        { "DOTNET_EnableHWIntrinsic=0", "Scalar" },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void NumericalChecksPassOnKernelPath(string environment, string expectedPath)
    {
        // On hardware without the wider vectors the child falls back further; expect what this machine can do.
        string expected = Narrower(expectedPath, KernelChecks.ActiveKernels());

        var settings = new Dictionary<string, string>();
        foreach (string setting in environment.Split(';'))
        {
            string[] pair = setting.Split('=');
            settings[pair[0]] = pair[1];
        }
        (int exitCode, string output) = DotnetHost.Run(
            ["exec", typeof(KernelPathProgram).Assembly.Location, KernelPathProgram.CheckCommand], TimeSpan.FromMinutes(3), environment: settings);

        Assert.Contains("active kernels: " + expected, output, StringComparison.Ordinal);
        Assert.True(exitCode == 0, output);
        Assert.Contains("checks passed", output, StringComparison.Ordinal);
        // The deterministic standardizing and recurrent layers give the same bits on this path as on the widest.
        Assert.Contains("standardize digest: " + Standardize.StandardizeChecks.ExpectedDigest, output, StringComparison.Ordinal);
        Assert.Contains("recurrent digest: " + RecurrentLayers.RecurrentChecks.ExpectedDigest, output, StringComparison.Ordinal);
    }

    private static readonly string[] Order = ["Scalar", "Vector128", "Vector256", "Vector512"];

    private static string Narrower(string a, string b) =>
        Order[Math.Min(Array.IndexOf(Order, a), Array.IndexOf(Order, b))];
}
