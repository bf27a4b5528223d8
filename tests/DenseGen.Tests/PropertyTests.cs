using System;
using System.Linq;
using System.Reflection;
using System.Text;
using CsCheck;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// Random layers, generated, compiled and loaded in memory, checked against the reference: the generator is
/// right for shapes nobody thought to write down.
/// </summary>
public class PropertyTests
{
    private sealed record RandomLayer(int In, int Out, bool IsDouble, bool IsStruct, int Samples)
    {
        public override string ToString() =>
            $"{(IsStruct ? "struct" : "class")} {In}→{Out} {(IsDouble ? "double" : "float")}, batch {Samples}";
    }

    private static readonly Gen<RandomLayer> LayerGen =
        Gen.Select(Gen.Int[1, 300], Gen.Int[1, 300], Gen.Bool, Gen.Bool, Gen.Int[1, 9])
            .Select((inputs, outputs, isDouble, isStruct, samples) => new RandomLayer(inputs, outputs, isDouble, isStruct, samples));

    [Fact]
    public void RandomShapesMatchReference()
    {
        // Several layers share one compilation: compiling dominates the cost, checking is cheap.
        LayerGen.Array[1, 5].Sample(
            layers =>
            {
                Assembly assembly = GeneratorHarness.CompileAndLoad(SourceFor(layers));
                for (int i = 0; i < layers.Length; i++)
                {
                    object instance = Activator.CreateInstance(assembly.GetType($"Random.L{i}")!)!;
                    if (layers[i].IsDouble)
                        LayerChecks.CheckAgainstReference((IDenseLayer<double>)instance, layers[i].Samples, seed: i);
                    else
                        LayerChecks.CheckAgainstReference((IDenseLayer<float>)instance, layers[i].Samples, seed: i);
                }
            },
            iter: 12,
            print: layers => string.Join("; ", layers.Select(l => l.ToString())));
    }

    private static string SourceFor(RandomLayer[] layers)
    {
        var source = new StringBuilder("namespace Random;\n");
        for (int i = 0; i < layers.Length; i++)
        {
            RandomLayer layer = layers[i];
            string element = layer.IsDouble ? ", ElementType = typeof(double)" : "";
            source.Append($"[DenseGen.Dense(In = {layer.In}, Out = {layer.Out}{element})] public partial {(layer.IsStruct ? "struct" : "class")} L{i};\n");
        }
        return source.ToString();
    }
}
