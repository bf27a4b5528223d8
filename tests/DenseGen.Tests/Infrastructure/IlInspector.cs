using System;
using System.Reflection;
using System.Reflection.Emit;

namespace DenseGen.Tests.Infrastructure;

/// <summary>What the JIT's optimization limits count in a method body.</summary>
internal readonly record struct IlMeasure(int Bytes, int Instructions, int Locals, int LocalReferences, int BasicBlocksUpperBound);

/// <summary>Walks a method's IL to measure it against RyuJIT's limits (dotnet/runtime, src/coreclr/jit/compiler.h, DEFAULT_MIN_OPTS_*).</summary>
internal static class IlInspector
{
    public const int MaxBytes = 60_000;
    public const int MaxInstructions = 20_000;
    public const int MaxBasicBlocks = 2_000;
    public const int MaxLocals = 2_000;
    public const int MaxLocalReferences = 8_000;

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static IlInspector()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            ushort value = unchecked((ushort)code.Value);
            if (code.Size == 1)
                OneByte[value] = code;
            else
                TwoByte[value & 0xff] = code;
        }
    }

    public static IlMeasure Measure(MethodBase method)
    {
        MethodBody body = method.GetMethodBody() ?? throw new ArgumentException($"{method.Name} has no body");
        byte[] il = body.GetILAsByteArray()!;
        int instructions = 0, localReferences = 0, branches = 0;
        for (int position = 0; position < il.Length;)
        {
            OpCode code = il[position] == 0xFE ? TwoByte[il[position + 1]] : OneByte[il[position]];
            position += code.Size;
            instructions++;
            if (code.Name!.StartsWith("ldloc", StringComparison.Ordinal) || code.Name.StartsWith("stloc", StringComparison.Ordinal))
                localReferences++;
            if (code.FlowControl is FlowControl.Branch or FlowControl.Cond_Branch)
                branches++;
            position += OperandSize(code, il, position);
        }
        // Each branch ends a block and may start one at its target.
        return new IlMeasure(il.Length, instructions, body.LocalVariables.Count, localReferences, 1 + 2 * branches);
    }

    private static int OperandSize(OpCode code, byte[] il, int position) => code.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
        _ => 4,
    };
}
