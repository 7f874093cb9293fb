import Testing

@testable import GTA

@Suite struct ErrorTests {
    @Test func codesMatchWhateverTheDetail() {
        let error: any Error = GTAError(.taskNotFound, "task key 'x' is not registered")
        var matched = false
        do { throw error } catch GTAError.taskNotFound { matched = true } catch {}
        #expect(matched)
        #expect(GTAError.is(error, .taskNotFound))
        #expect(!GTAError.is(error, .unexpected))
        #expect((error as? GTAError) == GTAError.taskNotFound)
    }

    @Test func wrappedErrorsMatchLikeErrorsIs() {
        let inner = GTAError(.zeroRowsAffected, "row 7")
        let outer = GTAError(.unexpected, "while stopping", underlying: inner)
        #expect(GTAError.is(outer, .zeroRowsAffected))
        #expect(GTAError.is(outer, .unexpected))
        #expect(outer.description.contains("row 7"))
    }

    @Test func theEightGoErrorTexts() {
        #expect(GTAError.zeroRowsAffected.description == "zero rows affected")
        #expect(GTAError.unexpected.description == "unexpected")
        #expect(GTAError.taskNotFound.description == "task not found")
        #expect(GTAError.optionInvalid.description == "option invalid")
        #expect(GTAError.definitionHandlerNil.description == "definition handler is nil")
        #expect(GTAError.definitionPrimaryKeyEmpty.description == "definition primary key is empty")
        #expect(GTAError.definitionLoopIntervalInvalid.description == "definition loop interval is invalid")
        #expect(GTAError.definitionArgumentInvalid.description == "definition argument is invalid")
    }
}
