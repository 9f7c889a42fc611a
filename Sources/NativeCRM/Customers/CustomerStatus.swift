/// `customerStatus` of a customer record (seed).
public enum CustomerStatus: String, APIEnum {
    case new, contacted, qualified, active, inactive, vip
}
