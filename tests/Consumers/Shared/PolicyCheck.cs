using System;
using System.IO;
using DenseGen;

namespace Consumers
{
    /// <summary>
    /// A policy in Godot RL Agents' form (tools/make-torch-fixtures.py policy), generated whole from its ONNX file by
    /// [OnnxModel] through the package's build files, checked against PyTorch: its decisions for PyTorch's observations
    /// must be within 1e-5 of PyTorch's actions (the bound the tests hold generated models to for outputs of magnitude up
    /// to 1; they derive tighter ones); and loading the same file at run time with LoadOnnx must give the same bits. A
    /// consumer that compiles this links the fixture policy.opset9.onnx as policy.onnx and copies it and
    /// policy.expected.safetensors to its output.
    /// </summary>
    internal static class PolicyCheck
    {
        /// <summary>Prints one line and returns the number of actions outside the bound.</summary>
        public static int Run()
        {
            SafeTensorsFile expected = SafeTensorsFile.Read(Path.Combine(AppContext.BaseDirectory, "policy.expected.safetensors"));
            int decisions = (int)expected.Tensors["obs"].Shape[0];
            float[] observations = new float[decisions * GodotPolicy.ObsSize], torchActions = new float[decisions * GodotPolicy.OutputSize];
            expected.CopyTo<float>("obs", observations);
            expected.CopyTo<float>("output", torchActions);
            float[] actions = new float[torchActions.Length];
            new GodotPolicy().Forward(observations, actions);
            int wrong = 0;
            for (int i = 0; i < actions.Length; i++)
            {
                if (!(Math.Abs(actions[i] - torchActions[i]) <= 1e-5))
                    wrong++;
            }
            Console.WriteLine($"[OnnxModel] policy: {(wrong == 0 ? $"{decisions} decisions match PyTorch's" : wrong + " actions differ from PyTorch's")}");

            // LoadOnnx at run time, through the runtime's reader, of the file the generator baked at compile time: the
            // architecture must match what the generator recorded, and the decisions must be the same bits.
            var loaded = new GodotPolicy();
            loaded.LoadOnnx(Path.Combine(AppContext.BaseDirectory, "policy.onnx"));
            float[] again = new float[actions.Length];
            loaded.Forward(observations, again);
            int changed = 0;
            for (int i = 0; i < again.Length; i++)
            {
                if (BitConverter.ToInt32(BitConverter.GetBytes(again[i]), 0) != BitConverter.ToInt32(BitConverter.GetBytes(actions[i]), 0))
                    changed++;
            }
            Console.WriteLine($"[OnnxModel] LoadOnnx of the compiled file: {(changed == 0 ? "the same decisions, bit for bit" : changed + " actions changed")}");
            return wrong + changed;
        }
    }

    // Godot RL Agents' exporter's form: obs and state_ins in, output and state_outs (state_ins passed through) out.
    [OnnxModel("policy.onnx")]
    internal partial class GodotPolicy
    {
    }
}
